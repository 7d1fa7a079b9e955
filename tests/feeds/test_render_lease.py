"""A real feeds worker SIGKILLed while it holds the render lock (a render made slow on
purpose, see slow_render_worker.py): while it holds the lock, render tasks do not pile up in
the queue; after the kill the lock frees itself within the lease, and every change reaches a
feed once a worker runs again."""

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from redis import Redis

from services.feeds.rounds import LEFTOVER, RENDER_LEASE, TASK
from shared.celery_app import make_celery
from shared.embedded_redis import EmbeddedRedis
from shared.events import ArticlePublished, Envelope, utcnow
from shared.settings import Settings
from tests.conftest import wait_for
from tests.databases import database_url, migrated, sql

SWEEP = 0.5  # BURG_OUTBOX_SWEEP_SECONDS: also how often the worker's periodic round runs
HELD_CHANGES = 20  # changes made while the killed worker holds the lock
LOCK = "burg:feeds:render-queued:lock"  # the render lock's key (services/feeds/bootstrap.py)
# The round under way, the task running beside it, one waiting retry and one queued.
MOST_RENDER_TASKS = 4


def feeds_worker(tmp_path: Path, redis: EmbeddedRedis, db: str, name: str
                 ) -> tuple[subprocess.Popen[bytes], Path]:
    """A feeds worker on two pool children, logging to <name>.log."""
    log = tmp_path / f"{name}.log"
    env = dict(os.environ, BURG_DATA_DIR=str(tmp_path), BURG_REDIS_URL=redis.url,
               BURG_FEEDS_DATABASE_URL=db, BURG_OUTBOX_SWEEP_SECONDS=str(SWEEP),
               SLOW_RENDER_FILE=str(tmp_path / "slow"))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.feeds.slow_render_worker", "worker",
         "-Q", "feeds", "--concurrency", "2", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "INFO"],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    wait_for(lambda: " ready." in log.read_text(), what=f"{name} to start")
    return worker, log


def publish(redis: EmbeddedRedis, article_id: int, title: str) -> None:
    """An article.published event onto the feeds queue, as the posts service sends it."""
    now = utcnow()
    event = ArticlePublished(
        article_id=article_id, slug=f"a{article_id}", url=f"http://x/a{article_id}",
        title=title, category_slug="sea", category_name="Sea", posted_by="ed",
        dateline=date(2026, 5, 4), summary="", body_html="<p>x</p>", published_at=now,
        updated_at=now, comments_close_at=None)
    envelope = Envelope.wrap(event, producer="posts").model_dump(mode="json")
    make_celery("posts", Settings(), redis.url).send_task(
        "feeds.handle_event", args=[envelope], queue="feeds")


def in_a_feed(db: str, title: str) -> bool:
    return any(title.encode() in bytes(body) for (body,) in sql(db, "SELECT body FROM "
                                                                     "feeddocument"))


def render_tasks(client: Redis) -> int:
    """Render tasks queued, or taken by a worker and not done (those with a countdown wait
    in kombu's `unacked` hash)."""
    messages = [json.loads(raw) for raw in client.lrange("feeds", 0, -1)]
    messages += [json.loads(raw)[0] for raw in client.hvals("unacked")]
    return sum(message["headers"]["task"] == TASK for message in messages)


def test_a_worker_killed_mid_render_frees_the_lock_in_seconds(tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis").start()
    db = migrated("feeds", database_url(tmp_path, "feeds"))
    client = Redis.from_url(redis.url)
    slow = tmp_path / "slow"
    worker, log = feeds_worker(tmp_path, redis, db, "first")
    replacement: subprocess.Popen[bytes] | None = None
    try:
        publish(redis, 1, "Before")
        wait_for(lambda: in_a_feed(db, "Before"), what="the first article in a feed")

        slow.touch()
        publish(redis, 2, "Slow")
        wait_for(lambda: "slow render: started" in log.read_text(),
                 what="a round to hold the lock")
        held_since = time.monotonic()
        peak = 0

        def handled(count: int) -> bool:
            nonlocal peak
            peak = max(peak, render_tasks(client))
            return sql(db, "SELECT count(*) FROM inbox")[0][0] >= count

        for n in range(HELD_CHANGES):
            publish(redis, 10 + n, f"Held {n}")
            wait_for(lambda n=n: handled(3 + n), what=f"change {n} handled")
        # And while the worker's periodic round finds the changes left stale, ten times.
        wait_for(lambda: handled(0) and time.monotonic() - held_since
                 > LEFTOVER.total_seconds() + 10 * SWEEP, what="the periodic rounds")
        assert peak <= MOST_RENDER_TASKS, f"{peak} render tasks while the lock was held"

        worker.kill()  # SIGKILL of the main process; its pool children die with it
        worker.wait(timeout=30)
        # Nobody renews the lease now: it runs out by itself, within RENDER_LEASE (its TTL
        # says so whatever the machine's load; the wait below shows it does).
        left = client.pttl(LOCK)  # -2: gone already; -1 would be a lock that never expires
        assert left == -2 or 0 < left <= RENDER_LEASE * 1000, f"the lock's TTL: {left} ms"
        publish(redis, 98, "Right after the kill")  # waits in the queue for a worker
        wait_for(lambda: not client.exists(LOCK), what="the lock to be free")
        slow.unlink()
        replacement, _ = feeds_worker(tmp_path, redis, db, "replacement")
        publish(redis, 99, "After the kill")
        # Every change, held or made after the kill, reaches a feed once a worker runs (two
        # pool children may render 99 before 98 is handled: a later round shows 98).
        titles = ["Right after the kill", "After the kill",
                  *(f"Held {n}" for n in range(HELD_CHANGES))]
        wait_for(lambda: all(in_a_feed(db, title) for title in titles), timeout=120,
                 what="every change in a feed")
    finally:
        slow.unlink(missing_ok=True)
        for process in (worker, replacement):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        redis.stop()
