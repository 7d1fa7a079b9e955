"""Publish N articles and time each one's way from the publish call's return into its
category's RSS feed, through the outbox, Redis, the feeds worker and the stored document.

Starts its own Burg in a temporary folder (on BURG_REDIS_URL if set, else an embedded Redis)
and prints a table. Usage: python -m bench.publish_latency [--articles 200]
"""

import argparse
import os
import re
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from devserver.launch import launch

GUID = re.compile(rb"article-(\d+)</guid>")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class FeedWatcher(threading.Thread):
    """Polls one feed with If-None-Match and notes when each article id first shows up."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.seen, self.done = url, {}, threading.Event()
        self.polls = self.renders = 0

    def run(self) -> None:
        etag = None
        with httpx.Client(timeout=10) as client:
            while not self.done.is_set():
                response = client.get(self.url, headers={"If-None-Match": etag} if etag else {})
                self.polls += 1
                if response.status_code == 200:
                    now = time.perf_counter()
                    etag = response.headers["etag"]
                    self.renders += 1
                    for match in GUID.finditer(response.content):
                        self.seen.setdefault(int(match.group(1)), now)
                time.sleep(0.002)


def run(articles: int) -> None:
    with tempfile.TemporaryDirectory(prefix="burg-bench-") as folder:
        burg = launch(Path(folder), os.environ.get("BURG_REDIS_URL"), demo=False)
        try:
            token = burg.create_editor("Bench")
            for paced in (False, True):
                measure(burg.urls, token, articles, paced=paced)
        finally:
            burg.stop()


def measure(urls: dict[str, str], token: str, articles: int, *, paced: bool) -> None:
    """Publish `articles` drafts one after another; `paced` waits for each to show up in the
    feed before publishing the next (latency without a queue), else publishes back to back."""
    posts = httpx.Client(base_url=f"{urls['posts']}/api/posts", timeout=30,
                         headers={"Authorization": f"Bearer {token}"})
    slug = posts.post("/categories", json={"name": f"Bench {time.time_ns()}"}).json()["slug"]
    watcher = FeedWatcher(f"{urls['feeds']}/feeds/categories/{slug}.rss")
    drafts = [posts.post("/articles", json={"title": f"Bench article {i}", "category": slug,
                                            "body": "Paragraph one.\n\n" + "Words " * 300})
              .json()["id"] for i in range(articles)]
    watcher.start()
    returned: dict[int, float] = {}
    call_times: list[float] = []
    started = time.perf_counter()
    for article_id in drafts:
        before = time.perf_counter()
        posts.post(f"/articles/{article_id}/publish").raise_for_status()
        returned[article_id] = time.perf_counter()
        call_times.append(returned[article_id] - before)
        while paced and article_id not in watcher.seen:
            time.sleep(0.001)
    deadline = time.monotonic() + 120
    while len(watcher.seen.keys() & returned.keys()) < articles and time.monotonic() < deadline:
        time.sleep(0.01)
    watcher.done.set()
    elapsed = time.perf_counter() - started
    latencies = [watcher.seen[i] - returned[i] for i in returned if i in watcher.seen]
    missing = articles - len(latencies)
    ms = 1000.0
    rows = [
        ("articles published", f"{articles}"),
        ("appeared in the feed", f"{len(latencies)}" + (f" ({missing} lost)" if missing else "")),
        ("publish call p50 / p95 / max (ms)",
         f"{percentile(call_times, 50) * ms:.1f} / {percentile(call_times, 95) * ms:.1f} / "
         f"{max(call_times) * ms:.1f}"),
        ("return -> in feed p50 / p95 / max (ms)",
         f"{percentile(latencies, 50) * ms:.1f} / {percentile(latencies, 95) * ms:.1f} / "
         f"{max(latencies) * ms:.1f}" if latencies else "n/a"),
        ("mean return -> in feed (ms)", f"{statistics.fmean(latencies) * ms:.1f}"
         if latencies else "n/a"),
        ("end-to-end throughput (articles/s)", f"{len(latencies) / elapsed:.1f}"),
        ("feed renders seen / polls", f"{watcher.renders} / {watcher.polls}"),
    ]
    width = max(len(name) for name, _ in rows)
    mode = "paced: next publish once the last is in the feed" if paced else "back to back"
    print(f"\npublish -> category feed, {articles} articles, one client, {mode}\n")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    run(parser.parse_args().articles)


if __name__ == "__main__":
    main()
