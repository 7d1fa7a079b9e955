"""Where a publish's way into its category feed goes, hop by hop: Redis's MONITOR notes every
command each process sends (posts' relay pushing the event, the feeds worker taking it,
queuing and taking its render task), the feeds database when the document was stored, and a
2 ms poll of the feed when it was served. Isolated publishes, one at a time; prints each hop's
time after the publish call returned (ms), median over the runs.
Usage: python -m bench.publish_trace [--articles 20]"""

import argparse
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import redis

from bench.publish_latency import BODY, FeedWatcher
from devserver.launch import launch
from shared.embedded_redis import URL_FILE


class Monitor(threading.Thread):
    """Every command Redis runs, with its server time."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(url)
        self.lines: list[tuple[float, str]] = []

    def run(self) -> None:
        with self.client.monitor() as monitor:
            for line in monitor.listen():
                self.lines.append((float(line["time"]), line["command"]))


class Stored(threading.Thread):
    """Polls the feeds database every ms for the time a document's ETag changed."""

    def __init__(self, db: Path, path: str) -> None:
        super().__init__(daemon=True)
        self.db, self.path, self.changes = db, path, list[tuple[float, str]]()
        self.done = threading.Event()

    def run(self) -> None:
        connection = sqlite3.connect(self.db)
        last = None
        while not self.done.is_set():
            row = connection.execute("select etag from feeddocument where path = ?",
                                     (self.path,)).fetchone()
            if row and row[0] != last:
                last = row[0]
                self.changes.append((time.time(), last))
            time.sleep(0.001)


HOPS = [  # (name, substrings of the command in MONITOR's output), in the order they happen
    ("relay pushed event", ("LPUSH feeds",)),
    # Its BRPOP was sent before the push: the worker holding the message (acks late) shows it.
    ("feeds worker took event", ("HSET unacked", '"routing_key": "feeds"')),
    ("render lock taken", ("SET burg:feeds:render-queued:lock",)),
    ("API processes told (notice)", ("PUBLISH burg:feeds:stored",)),
    ("round over", ("render-queued:last-round",)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="burg-trace-") as folder:
        burg = launch(Path(folder), os.environ.get("BURG_REDIS_URL"), demo=False)
        try:
            token = burg.create_editor("Bench")
            url = os.environ.get("BURG_REDIS_URL") or (Path(folder) / URL_FILE).read_text()
            trace(burg.urls, token, url.strip(), Path(folder) / "feeds.db", args.articles)
        finally:
            burg.stop()


def trace(urls: dict[str, str], token: str, redis_url: str, db: Path, articles: int) -> None:
    posts = httpx.Client(base_url=f"{urls['posts']}/api/posts", timeout=30,
                         headers={"Authorization": f"Bearer {token}"})
    slug = posts.post("/categories", json={"name": f"Trace {time.time_ns()}"}).json()["slug"]
    drafts = [posts.post("/articles", json={"title": f"Trace {i}", "category": slug,
                                            "body": BODY}).json()["id"] for i in range(articles)]
    time.sleep(1)
    watcher = FeedWatcher(f"{urls['feeds']}/feeds/categories/{slug}.rss")
    watcher.start()
    stored = Stored(db, f"categories/{slug}.rss")
    stored.start()
    monitor = Monitor(redis_url)
    monitor.start()
    time.sleep(0.5)
    rows: dict[str, list[float]] = {}
    for article in drafts:
        before = time.time()
        posts.post(f"/articles/{article}/publish").raise_for_status()
        returned = time.time()
        watcher.wait_for({article})
        seen = time.time() - (time.perf_counter() - watcher.seen[article])
        time.sleep(0.4)
        lines = [(t, c) for t, c in monitor.lines if t >= before]
        hops: list[tuple[str, float]] = [("publish call (before return)", before)]
        position = 0
        for name, needle in HOPS:
            found = next((i for i in range(position, len(lines))
                          if all(part in lines[i][1] for part in needle)), None)
            if found is not None:
                hops.append((name, lines[found][0]))
                position = found + 1
        hops += [(s, t) for s, (t, _) in [("document stored (db)", c) for c in stored.changes
                                          if c[0] >= before][:1]]
        hops.append(("feed served to the poller", seen))
        for name, at in hops:
            rows.setdefault(name, []).append((at - returned) * 1000)
    stored.done.set()
    if os.environ.get("TRACE_DUMP"):
        for t, c in lines:
            print(f"{(t - returned) * 1000:8.1f} {c[:150]}")
    print(f"\n{articles} isolated publishes: ms after the publish call returned, "
          "median / max\n")
    for name, values in sorted(rows.items(), key=lambda item: statistics.median(item[1])):
        print(f"  {name:<32} {statistics.median(values):7.1f} / {max(values):7.1f}"
              f"  ({len(values)})")


if __name__ == "__main__":
    main()
