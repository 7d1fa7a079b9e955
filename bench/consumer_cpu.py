"""CPU a consumer's worker spends per event, as single-event tasks and as batches: events
queued to a worker of `bench.consumer_worker` (one pool child, a handler that writes one row),
the worker's processes' CPU time (psutil) from before the first is sent until the last is in
its database, divided by the events.   Usage: python -m bench.consumer_cpu [--events 2000]
[--batch 50] [--singles-only]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from sqlalchemy import text

from shared.celery_app import make_celery
from shared.db import make_engine
from shared.embedded_redis import EmbeddedRedis
from shared.events import ArticleRetracted, Envelope
from shared.settings import Settings

QUEUE = "benchq"


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


def run(events: int, batch: int) -> float:
    """Milliseconds of worker CPU per event when `events` are sent `batch` to a message (1:
    one `handle_event` task each)."""
    with tempfile.TemporaryDirectory(prefix="burg-consumer-cpu-") as folder:
        redis = EmbeddedRedis(Path(folder) / "redis").start()
        database = f"sqlite:///{folder}/bench.db"
        env = dict(os.environ, BURG_DATA_DIR=folder, BURG_REDIS_URL=redis.url,
                   BURG_DATABASE_URL=database)
        log = Path(folder) / "worker.log"
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bench.consumer_worker", "worker", "-Q", QUEUE,
             "--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel", "INFO"], env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
        try:
            while " ready." not in log.read_text():
                time.sleep(0.2)
            celery = make_celery(QUEUE, Settings(), redis.url)
            engine = make_engine(database)
            envelopes = [Envelope.wrap(ArticleRetracted(article_id=n, category_slug="c"),
                                       producer="bench").model_dump(mode="json")
                         for n in range(events)]
            before = worker_cpu(worker.pid)
            for start in range(0, events, batch):
                chunk = envelopes[start:start + batch]
                if batch == 1:
                    celery.send_task(f"{QUEUE}.handle_event", args=[chunk[0]], queue=QUEUE)
                else:
                    celery.send_task(f"{QUEUE}.handle_events", args=[chunk], queue=QUEUE)
            while True:
                with engine.connect() as connection:
                    done = connection.execute(text("SELECT count(*) FROM handled")).scalar_one()
                if done >= events:
                    break
                time.sleep(0.2)
            return (worker_cpu(worker.pid) - before) * 1000 / events
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            redis.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--singles-only", action="store_true",
                        help="only single-event tasks (a version without batches)")
    args = parser.parse_args()
    print(f"worker CPU per event, {args.events} events (ms)")
    print(f"  one task per event          {run(args.events, 1):6.3f}")
    if not args.singles_only:
        print(f"  batches of {args.batch:<4}            {run(args.events, args.batch):6.3f}")


if __name__ == "__main__":
    main()
