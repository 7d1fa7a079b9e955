"""A real worker's outbox sweep and a real Redis that goes away and comes back: events
written while it was away are all sent within one sweep interval of its return (plus the
time to send them), not after some claim has run out."""

import time
from pathlib import Path

from redis import Redis
from sqlalchemy import MetaData

from shared.celery_app import make_celery
from shared.db import create_schema, make_engine, make_session_factory
from shared.embedded_redis import EmbeddedRedis
from shared.events import ArticleRetracted
from shared.outbox import Outbox, outbox_table
from shared.settings import Settings
from tests.conftest import wait_for
from tests.databases import database_url, sql
from tests.shared.helpers import crashy_worker, queued_event_ids

EVENTS = 100
SWEEP = 0.5  # BURG_OUTBOX_SWEEP_SECONDS of the worker
MARGIN = 5.0  # seconds to send and mark EVENTS events on a loaded machine


def test_events_written_while_redis_is_down_are_sent_a_sweep_after_it_returns(
        tmp_path: Path) -> None:
    db = database_url(tmp_path, "crashy")
    metadata = MetaData()
    engine = make_engine(db)
    table = outbox_table(metadata)
    create_schema(engine, metadata)
    redis = EmbeddedRedis(tmp_path / "redis").start()
    # No relay after commit: as if the API's relay had found Redis away too.
    outbox = Outbox(table=table, engine=engine, producer="crashy",
                    celery=make_celery("crashy", Settings(), redis.url))
    worker = crashy_worker(tmp_path, redis, BURG_OUTBOX_SWEEP_SECONDS=str(SWEEP))
    log = tmp_path / "worker.log"
    try:
        wait_for(lambda: " ready." in log.read_text(), what="the worker to start")
        redis.stop()
        with make_session_factory(engine)() as session:
            ids = {str(outbox.add(session, ArticleRetracted(article_id=n, category_slug="c")).id)
                   for n in range(EVENTS)}
            session.commit()
        # Once they are old enough for it, the worker's sweep claims them all, and its first
        # send fails (after the broker connection's own retries).
        wait_for(lambda: sql(db, "SELECT count(*) FROM outbox WHERE attempts > 0")
                 == [(EVENTS,)] and sql(db, "SELECT event_id FROM outbox "
                                            "WHERE last_error IS NOT NULL"),
                 what="a sweep to fail while Redis is down")

        redis.start()
        back = time.monotonic()
        client = Redis.from_url(redis.url)
        wait_for(lambda: outbox.backlog() == 0
                 and len(queued_event_ids(client, "feeds")) >= EVENTS,
                 what="every event sent once Redis is back")
        took = time.monotonic() - back
        assert took <= SWEEP + MARGIN, f"{took:.1f}s after Redis returned"
        assert sorted(queued_event_ids(client, "feeds")) == sorted(ids)  # each once
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.stop()
