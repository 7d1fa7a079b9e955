"""CPU a consumer's worker spends per event: events queued to a worker, the worker's
processes' CPU time (psutil) from before the first is sent until the last is in its database,
divided by the events.

First what taking an event costs, apart from what a service does with it: a worker of
`bench.consumer_worker` (one pool child, a handler that writes one row), sent one
`handle_event` task per event, then `handle_events` batches. Then the search worker as `make
run` starts it (one thread), sent batches of `comment.created` with comment-like HTML bodies:
what indexing a comment costs on top.

    Usage: python -m bench.consumer_cpu [--events 2000] [--batch 50] [--singles-only]
                                        [--search-only]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import text

from shared.celery_app import make_celery
from shared.db import make_engine
from shared.embedded_redis import EmbeddedRedis
from shared.events import ArticleRetracted, CommentCreated, Envelope, Event, utcnow
from shared.settings import Settings

QUEUE = "benchq"
WORDS = ("ferry harbour fares island spring council timetable crossing weather pier "
         "tickets winter captain season morning").split()


def worker_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the worker's process and its pool children."""
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


@contextmanager
def worker(folder: str, app: str, queue: str, *options: str,
           **env: str) -> Iterator[tuple[int, str]]:
    """A Celery worker of `app` taking `queue` (its pid, its Redis's URL), on an embedded
    Redis and the environment `env`, from when it is ready until the block ends."""
    redis = EmbeddedRedis(Path(folder) / "redis").start()
    log = Path(folder) / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queue, *options,
         "--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel", "INFO"],
        env=dict(os.environ, BURG_DATA_DIR=folder, BURG_REDIS_URL=redis.url, **env),
        stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        while " ready." not in log.read_text():
            if process.poll() is not None:
                raise SystemExit(f"the worker stopped:\n{log.read_text()}")
            time.sleep(0.2)
        yield process.pid, redis.url
    finally:
        process.terminate()
        process.wait(timeout=60)
        redis.stop()


def cpu_per_event(pid: int, redis_url: str, queue: str, events: list[Event], batch: int,
                  database: str, done_sql: str) -> float:
    """Milliseconds of the worker's CPU per event when `events` are sent `batch` to a message
    (1: one `handle_event` task each), until `done_sql` counts them all in `database`."""
    celery = make_celery(queue, Settings(), redis_url)
    engine = make_engine(database)
    envelopes = [Envelope.wrap(event, producer="bench").model_dump(mode="json")
                 for event in events]
    before = worker_cpu(pid)
    for start in range(0, len(envelopes), batch):
        chunk: Any = envelopes[start:start + batch]
        if batch == 1:
            celery.send_task(f"{queue}.handle_event", args=[chunk[0]], queue=queue)
        else:
            celery.send_task(f"{queue}.handle_events", args=[chunk], queue=queue)
    while True:
        with engine.connect() as connection:
            if connection.execute(text(done_sql)).scalar_one() >= len(events):
                break
        time.sleep(0.1)
    engine.dispose()
    return (worker_cpu(pid) - before) * 1000 / len(events)


def run(events: int, batch: int) -> float:
    """The bare consumer's CPU per event (ms), `batch` events to a message."""
    with tempfile.TemporaryDirectory(prefix="burg-consumer-cpu-") as folder:
        database = f"sqlite:///{folder}/bench.db"
        with worker(folder, "bench.consumer_worker", QUEUE,
                    BURG_DATABASE_URL=database) as (pid, redis_url):
            retracted = [ArticleRetracted(article_id=n, category_slug="c") for n in range(events)]
            return cpu_per_event(pid, redis_url, QUEUE, list(retracted), batch, database,
                                 "SELECT count(*) FROM handled")


def comment(number: int) -> CommentCreated:
    """A comment as the comments service sends it: two paragraphs of HTML, a link."""
    words = [WORDS[(number + i * 7) % len(WORDS)] for i in range(40)]
    body = (f"<p>{' '.join(words[:25])}, said {number}.</p><p>See <a href=\"https://example."
            f"org/{number}\" rel=\"nofollow ugc noopener\">the notice</a> and "
            f"{' '.join(words[25:])}.</p>")
    return CommentCreated(
        comment_id=number, article_id=1 + number // 100, article_title="Ferry fares rise",
        article_url=f"https://burg.example/articles/a-{1 + number // 100}", parent_id=None,
        commenter_id=1 + number % 16, nic=f"Commenter {number % 16}", body_html=body,
        created_at=utcnow() + timedelta(milliseconds=number))


def run_search(events: int, batch: int) -> float:
    """The search worker's CPU per `comment.created` (ms), `batch` events to a message."""
    with tempfile.TemporaryDirectory(prefix="burg-search-cpu-") as folder:
        database = f"sqlite:///{folder}/search.db"
        subprocess.run([sys.executable, "-m", "services.search.migrate", "upgrade"], check=True,
                       env=dict(os.environ, BURG_SEARCH_DATABASE_URL=database),
                       capture_output=True)
        with worker(folder, "services.search.worker", "search", "-P", "threads",
                    BURG_SEARCH_DATABASE_URL=database) as (pid, redis_url):
            return cpu_per_event(pid, redis_url, "search", [comment(n) for n in range(events)],
                                 batch, database, "SELECT count(*) FROM searchdoc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--singles-only", action="store_true",
                        help="only single-event tasks (a version without batches)")
    parser.add_argument("--search-only", action="store_true",
                        help="only the search worker")
    args = parser.parse_args()
    print(f"worker CPU per event, {args.events} events (ms)")
    if not args.search_only:
        print(f"  one task per event          {run(args.events, 1):6.3f}")
    if not (args.singles_only or args.search_only):
        print(f"  batches of {args.batch:<4}            {run(args.events, args.batch):6.3f}")
    if not args.singles_only:
        print(f"  search, comment.created in batches of {args.batch:<4}"
              f"{run_search(args.events, args.batch):6.3f}")


if __name__ == "__main__":
    main()
