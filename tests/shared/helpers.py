"""Helpers for the tests of the shared machinery: an outbox on a real database and Redis, what
kombu keeps queued in Redis, and a worker of crashy_worker.py to kill."""

import base64
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError

from shared.celery_app import make_celery
from shared.db import create_schema, make_engine, make_session_factory
from shared.embedded_redis import EmbeddedRedis
from shared.events import ArticlePublished, utcnow
from shared.outbox import Outbox, outbox_table
from shared.settings import Settings
from tests.databases import database_url, sql


def published(article_id: int = 1) -> ArticlePublished:
    now = utcnow()
    return ArticlePublished(
        article_id=article_id, slug="s", url="http://x/s", title="T", category_slug="c",
        category_name="C", posted_by="ed", dateline=date(2025, 5, 4), summary="", body_html="",
        published_at=now, updated_at=now, comments_close_at=None)


def make_outbox(tmp_path: Path, port: int, *, in_thread: bool = False
                ) -> tuple[Outbox, object]:
    """An outbox on a SQLite file (or the PostgreSQL pass's database) and the Redis at `port`;
    by default relaying in the committing thread, so that a test knows when it has."""
    metadata = MetaData()
    table = outbox_table(metadata)
    engine = make_engine(database_url(tmp_path, "producer"))
    create_schema(engine, metadata)
    sessions = make_session_factory(engine)
    celery = make_celery("posts", Settings(), f"redis://127.0.0.1:{port}/0")
    outbox = Outbox(table=table, engine=engine, celery=celery, producer="posts")
    outbox.relay_after_commit(sessions, in_thread=in_thread)
    return outbox, sessions


def queued_event_ids(client: redis.Redis, queue: str) -> list[str]:
    """The envelope ids of the Celery messages waiting in `queue` (kombu's Redis list), each
    event of a batch message in its order."""
    return [event_id for raw in client.lrange(queue, 0, -1) for event_id in message_event_ids(raw)]


def queued_event_id(raw: bytes | str) -> str:
    """The envelope id of one Celery message carrying one event as kombu keeps it in Redis
    ("" for a task that carries no event, such as a render)."""
    ids = message_event_ids(raw)
    return ids[0] if len(ids) == 1 else ""


def message_event_ids(raw: bytes | str) -> list[str]:
    """The envelope ids in one Celery message as kombu keeps it in Redis: one for
    `handle_event`, each of a batch for `handle_events`, none for another task."""
    args = json.loads(base64.b64decode(json.loads(raw)["body"]))[0]
    if not args:
        return []
    carried = args[0] if isinstance(args[0], list) else [args[0]]
    return [str(envelope["id"]) for envelope in carried]


def crashy_worker(tmp_path: Path, redis: EmbeddedRedis, **env: str
                  ) -> subprocess.Popen[bytes]:
    """A worker of tests/shared/crashy_worker.py on one pool child, logging to worker.log."""
    env = dict(os.environ, BURG_DATA_DIR=str(tmp_path), BURG_REDIS_URL=redis.url,
               BURG_DATABASE_URL=database_url(tmp_path, "crashy")) | env
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.shared.crashy_worker", "worker",
         "-Q", "crashy", "--concurrency", "1", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "INFO"],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "worker.log").open("wb"))


def rows(db: str, query: str) -> list[tuple[Any, ...]]:
    """`query`'s rows in the crashy worker's database (none before it has made its tables)."""
    try:
        return sql(db, query)
    except DBAPIError:
        return []
