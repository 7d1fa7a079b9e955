"""Real worker processes that die: a killed pool child's task comes back at once, and a
message that kills every child that takes it ends in the dead letters instead of looping."""

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
from tests.databases import database_url
from tests.shared.helpers import crashy_worker, queued_event_ids, rows

POISON = 13  # the article id whose event kills the worker child (see crashy_worker.py)
SLOW = 7  # and the one whose event takes three seconds
BLIP = 21  # and the one whose event meets a Redis restarting, twice
OUTAGE = 23  # and the one whose event stops Redis for good


def test_poison_message_is_dead_lettered_and_the_queue_moves_on(tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis").start()
    db = database_url(tmp_path, "crashy")
    worker = crashy_worker(tmp_path, redis)
    try:
        celery = make_celery("crashy", Settings(), redis.url)
        poison = Envelope.wrap(ArticleRetracted(article_id=POISON, category_slug="c"),
                               producer="test")
        for event in (poison, Envelope.wrap(ArticleRetracted(article_id=14, category_slug="c"),
                                            producer="test")):
            celery.send_task("crashy.handle_event", args=[event.model_dump(mode="json")],
                             queue="crashy")
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


def test_a_broker_blip_is_waited_out_not_dead_lettered(tmp_path: Path) -> None:
    """A handler that meets Redis restarting (redis-py's error, or kombu's when it queues a
    task) tries again; only what fails for its own reasons is buried."""
    redis = EmbeddedRedis(tmp_path / "redis").start()
    db = database_url(tmp_path, "crashy")
    worker = crashy_worker(tmp_path, redis)
    try:
        celery = make_celery("crashy", Settings(), redis.url)
        event = Envelope.wrap(ArticleRetracted(article_id=BLIP, category_slug="c"),
                              producer="test")
        celery.send_task("crashy.handle_event", args=[event.model_dump(mode="json")],
                         queue="crashy")
        wait_for(lambda: rows(db, "SELECT article_id FROM handled"), timeout=60,
                 what="the event handled once Redis is back")
        assert rows(db, "SELECT article_id FROM handled") == [(BLIP,)]
        assert rows(db, "SELECT event_id FROM dead_letter") == []
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.stop()


def test_an_event_whose_retry_cannot_be_sent_is_kept(tmp_path: Path) -> None:
    """Redis stays away longer than a task waits for it: Celery cannot send the retry and
    drops the event; it must be in the dead letters instead."""
    redis = EmbeddedRedis(tmp_path / "redis").start()
    db = database_url(tmp_path, "crashy")
    worker = crashy_worker(tmp_path, redis, CRASHY_FINISH_ON_CONNECTION_LOSS="1")
    try:
        celery = make_celery("crashy", Settings(), redis.url)
        event = Envelope.wrap(ArticleRetracted(article_id=OUTAGE, category_slug="c"),
                              producer="test")
        celery.send_task("crashy.handle_event", args=[event.model_dump(mode="json")],
                         queue="crashy")
        [(event_id, error)] = wait_for(
            lambda: rows(db, "SELECT event_id, error FROM dead_letter"), timeout=60,
            what="the event kept in the dead letters")
        assert event_id == str(event.id) and "could not schedule its retry" in error
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.stop()


def test_a_worker_sweeps_events_its_api_could_not_send(tmp_path: Path) -> None:
    """An event left in the outbox (the broker was away at commit) is sent by the worker."""
    metadata = MetaData()
    table = outbox_table(metadata)
    engine = make_engine(database_url(tmp_path, "crashy"))
    create_schema(engine, metadata)
    redis = EmbeddedRedis(tmp_path / "redis").start()
    # An outbox with no relay after commit: as if Redis had been down at that moment.
    outbox = Outbox(table=table, engine=engine, producer="crashy",
                    celery=make_celery("crashy", Settings(), redis.url))
    with make_session_factory(engine)() as session:
        left = outbox.add(session, ArticleRetracted(article_id=1, category_slug="c"))
        session.commit()
    worker = crashy_worker(tmp_path, redis, BURG_OUTBOX_SWEEP_SECONDS="0.5")
    try:
        client = Redis.from_url(redis.url)
        # The sweep queues the event first and marks its row sent just after.
        wait_for(lambda: client.llen("feeds") == 1 and outbox.backlog() == 0, timeout=60,
                 what="the swept event, marked sent")
        assert queued_event_ids(client, "feeds") == [str(left.id)]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.stop()


def test_sigterm_lets_the_task_in_flight_finish(tmp_path: Path) -> None:
    """A worker told to stop (a deploy, a scale-down) finishes what it holds, then exits."""
    redis = EmbeddedRedis(tmp_path / "redis").start()
    db = database_url(tmp_path, "crashy")
    worker = crashy_worker(tmp_path, redis)
    try:
        celery = make_celery("crashy", Settings(), redis.url)
        slow = Envelope.wrap(ArticleRetracted(article_id=SLOW, category_slug="c"),
                             producer="test")
        celery.send_task("crashy.handle_event", args=[slow.model_dump(mode="json")],
                         queue="crashy")
        wait_for(lambda: "slow event: started" in (tmp_path / "worker.log").read_text(),
                 timeout=60, what="the worker to take the slow task")
        worker.terminate()  # SIGTERM: Celery's warm shutdown
        assert worker.wait(timeout=60) == 0
        assert rows(db, "SELECT article_id FROM handled") == [(SLOW,)]
    finally:
        if worker.poll() is None:
            worker.kill()
        redis.stop()
