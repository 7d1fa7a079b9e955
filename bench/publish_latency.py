"""Publish articles and time each one's way from the publish call's return into its
category's RSS feed, through the outbox, Redis, the feeds worker and the stored document.

Three runs: one client back to back, one client paced (the next publish waits until the last
article is in the feed, and a little more: the latency of an isolated publish), and 16
concurrent clients. Starts its own
Burg in a temporary folder (on BURG_REDIS_URL if set, else an embedded Redis) and prints a
table per run.   Usage: python -m bench.publish_latency [--articles 200] [--clients 16]
"""

import argparse
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx

from bench.alone import burg_alone

GUID = re.compile(rb"article-(\d+)</guid>")
PAUSE = 0.3  # seconds between paced publishes: longer than the feeds' gap between renders
BODY = "[quote]Paragraph one. [ed]A remark.[/ed][/quote]\n\n" + "Words " * 300


def percentiles(values: list[float]) -> str:
    """p50 / p95 / max of `values` (seconds), in milliseconds."""
    ordered = sorted(values)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    return f"{at(50):.1f} / {at(95):.1f} / {ordered[-1] * 1000:.1f}" if ordered else "n/a"


def spread(prefix: str, values: list[float]) -> dict[str, float]:
    """p50, p90, p95, p99 and max of `values` (seconds) in milliseconds, keyed as `hammer`'s
    figures are (`<prefix>_p50_ms`), for the combined bench's table, JSON and chart."""
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    return {**{f"{prefix}_p{p}_ms": at(p) for p in (50, 90, 95, 99)},
            f"{prefix}_max_ms": ordered[-1] * 1000}


class FeedWatcher(threading.Thread):
    """Polls one feed with If-None-Match and notes when each article id first shows up."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.seen, self.done = url, dict[int, float](), threading.Event()
        self.polls = self.renders = 0
        self.shown: list[list[int]] = []  # each render's article ids, in the feed's order

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
                    ids = [int(match.group(1)) for match in GUID.finditer(response.content)]
                    self.shown.append(ids)
                    for article_id in ids:
                        self.seen.setdefault(article_id, now)
                time.sleep(0.002)

    def wait_for(self, article_ids: set[int], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not article_ids <= self.seen.keys() and time.monotonic() < deadline:
            time.sleep(0.005)


def measure(urls: dict[str, str], token: str, articles: int, *, clients: int,
            paced: bool) -> dict[str, float]:
    """Publish `articles` drafts from `clients` threads, print what it took and return it:
    `feed_*` (return -> in the feed) and `call_*` percentiles, counts and rates."""
    posts = httpx.Client(base_url=f"{urls['posts']}/api/posts", timeout=30,
                         headers={"Authorization": f"Bearer {token}"})
    slug = posts.post("/categories", json={"name": f"Bench {time.time_ns()}"}).json()["slug"]
    drafts = [posts.post("/articles", json={"title": f"Bench article {i}", "category": slug,
                                            "body": BODY}).json()["id"] for i in range(articles)]
    watcher = FeedWatcher(f"{urls['feeds']}/feeds/categories/{slug}.rss")
    watcher.start()
    returned: dict[int, float] = {}
    began: dict[int, float] = {}
    at: dict[int, tuple[datetime, int]] = {}  # (published_at, id): the feeds' order
    calls: list[float] = []

    def publish(article_id: int) -> None:
        before = began[article_id] = time.perf_counter()
        response = posts.post(f"/articles/{article_id}/publish").raise_for_status()
        returned[article_id] = time.perf_counter()
        at[article_id] = (datetime.fromisoformat(response.json()["published_at"]), article_id)
        calls.append(returned[article_id] - before)
        if paced:
            watcher.wait_for({article_id})
            time.sleep(PAUSE)  # an isolated publish: the feeds worker's last round is over

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(publish, drafts))
    published = time.perf_counter()
    watcher.wait_for(set(drafts))
    time.sleep(0.2)  # longer than the feeds API keeps a copy: the last poll shows the last render
    watcher.done.set()
    watcher.join()
    holes = missing_newest(watcher.shown, began, returned, at)
    latencies = [watcher.seen[i] - returned[i] for i in returned if i in watcher.seen]
    in_feed = max((watcher.seen[i] for i in returned if i in watcher.seen), default=published)
    mode = (f"paced: each publish waits for the last to reach the feed, then {PAUSE} s" if paced
            else "back to back")
    rows = [
        ("articles published / in the feed", f"{articles} / {len(latencies)}"),
        ("publish call p50 / p95 / max (ms)", percentiles(calls)),
        ("return -> in feed p50 / p95 / max (ms)", percentiles(latencies)),
        ("publish calls per second", f"{articles / (published - started):.1f}"),
        ("end to end: articles in the feed per second",
         f"{len(latencies) / (in_feed - started):.1f}"),
        ("feed renders seen / polls", f"{watcher.renders} / {watcher.polls}"),
        ("renders missing one of the newest 50", f"{holes} (must be 0)"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"\npublish -> category feed: {clients} client(s), {mode}\n", flush=True)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}", flush=True)
    return {**spread("feed", latencies), **spread("call", calls),
            "articles": float(articles), "in_feed": float(len(latencies)),
            "in_feed_per_s": len(latencies) / (in_feed - started),
            "renders": float(watcher.renders), "renders_missing_newest": float(holes)}


def missing_newest(shown: list[list[int]], began: dict[int, float],
                   returned: dict[int, float], at: dict[int, tuple[datetime, int]],
                   newest: int = 50) -> int:
    """How many renders (and the last one, polled once everything was in) leave out an
    article that belongs among their newest `newest`: one whose publish returned before the
    publish of an article the render shows began, and which is among the newest published
    by then, less a place for each article shown whose publish was still under way. One
    category, one posts process relaying in order and one feeds worker: such an article's
    event was handled first, so its absence is a lost entry. `at`: each one's feed order."""
    order = sorted(at, key=at.__getitem__)
    holes = 0
    for ids in shown:
        mine = [i for i in ids if i in began]
        if not mine:
            continue
        cutoff = max(began[i] for i in mine)
        crowding = sum(returned[i] >= cutoff for i in mine)
        expected = [i for i in order if returned[i] < cutoff][::-1][:newest - crowding]
        holes += any(i not in ids for i in expected)
    holes += bool(shown) and any(i not in shown[-1] for i in order[-newest:])
    return holes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with burg_alone() as (burg, _):
        token = burg.create_editor("Bench")
        measure(burg.urls, token, args.articles, clients=1, paced=False)
        measure(burg.urls, token, args.articles, clients=1, paced=True)
        measure(burg.urls, token, args.articles, clients=args.clients, paced=False)


if __name__ == "__main__":
    main()
