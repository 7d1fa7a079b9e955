"""Real worker processes that die: a killed pool child's task comes back at once, and a
message that kills every child that takes it ends in the dead letters instead of looping."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from redis import Redis
from sqlalchemy import MetaData

from shared.celery_app import make_celery
from shared.consumer import MAX_DELIVERIES
from shared.db import create_schema, make_engine, make_session_factory
from shared.embedded_redis import EmbeddedRedis
from shared.events import ArticleRetracted, Envelope
from shared.outbox import Outbox, outbox_table
from shared.settings import Settings
from tests.conftest import wait_for
from tests.shared.test_outbox import queued_event_ids

POISON = 13  # the article id whose event kills the worker child (see crashy_worker.py)


def rows(db: Path, query: str) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as connection:
        try:
            return connection.execute(query).fetchall()
        except sqlite3.OperationalError:  # the worker has not created its tables yet
            return []


def test_poison_message_is_dead_lettered_and_the_queue_moves_on(tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis").start()
    env = dict(os.environ, BURG_DATA_DIR=str(tmp_path), BURG_REDIS_URL=redis.url)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.shared.crashy_worker", "worker",
         "-Q", "crashy", "--concurrency", "1", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "WARNING"],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "worker.log").open("wb"))
    try:
        celery = make_celery("crashy", Settings(), redis.url)
        poison = Envelope.wrap(ArticleRetracted(article_id=POISON, category_slug="c"),
                               producer="test")
        for event in (poison, Envelope.wrap(ArticleRetracted(article_id=14, category_slug="c"),
                                            producer="test")):
            celery.send_task("crashy.handle_event", args=[event.model_dump(mode="json")],
                             queue="crashy")
        db = tmp_path / "crashy.db"
        buried = wait_for(lambda: rows(db, "SELECT event_id, error FROM dead_letter"),
                          timeout=120, what="the poison message in the dead letters")
        assert buried[0][0] == str(poison.id)
        assert f"delivered {MAX_DELIVERIES + 1} times" in buried[0][1]
        wait_for(lambda: rows(db, "SELECT article_id FROM handled"), timeout=30,
                 what="the next event to be handled")
        assert rows(db, "SELECT article_id FROM handled") == [(14,)]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.stop()


def test_a_worker_sweeps_events_its_api_could_not_send(tmp_path: Path) -> None:
    """An event left in the outbox (the broker was away at commit) is sent by the worker."""
    metadata = MetaData()
    table = outbox_table(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'crashy.db'}")
    create_schema(engine, metadata)
    redis = EmbeddedRedis(tmp_path / "redis").start()
    # An outbox with no relay after commit: as if Redis had been down at that moment.
    outbox = Outbox(table=table, engine=engine, producer="crashy",
                    celery=make_celery("crashy", Settings(), redis.url))
    with make_session_factory(engine)() as session:
        left = outbox.add(session, ArticleRetracted(article_id=1, category_slug="c"))
        session.commit()
    env = dict(os.environ, BURG_DATA_DIR=str(tmp_path), BURG_REDIS_URL=redis.url,
               BURG_OUTBOX_SWEEP_SECONDS="0.5")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.shared.crashy_worker", "worker",
         "-Q", "crashy", "--concurrency", "1", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "WARNING"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = Redis.from_url(redis.url)
        wait_for(lambda: client.llen("feeds") == 1, timeout=60, what="the swept event")
        assert outbox.backlog() == 0
        assert queued_event_ids(client, "feeds") == [str(left.id)]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.stop()
