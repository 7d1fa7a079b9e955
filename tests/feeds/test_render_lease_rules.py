"""In-process (the feeds database and a Redis of its own; no worker): the render lock is a
lease the round renews while one document takes longer than the lease, a round whose
lease ran out stores nothing more, since another round may hold the lock by then, and a
round that ends while Redis is away still stops renewing it."""

import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from services.feeds import rounds, stale
from services.feeds.models import FeedStale
from services.feeds.rounds import StaleRenders
from shared.celery_app import make_celery
from shared.db import make_engine, make_session_factory
from shared.embedded_redis import EmbeddedRedis
from shared.settings import Settings
from tests.conftest import wait_for
from tests.databases import database_url, migrated

LEASE = 2.0  # seconds: short, so that a render outlasts several leases soon (and not so
# short that a renewal, every fifth of it, comes too late on a busy machine)


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return make_session_factory(make_engine(migrated("feeds", database_url(tmp_path, "feeds"))))


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(rounds, "RENDER_LEASE", LEASE)
    monkeypatch.setattr(rounds, "RENEW_EVERY", LEASE / 5)
    server = EmbeddedRedis(tmp_path / "redis").start()
    yield server
    server.stop()


def renders_for(sessions: sessionmaker[Session], url: str, flag: str) -> StaleRenders:
    return StaleRenders(celery=make_celery("feeds", Settings(), url), sessions=sessions,
                        redis_url=url, flag=flag)


def test_a_document_rendering_longer_than_the_lease_keeps_the_lock(
        sessions: sessionmaker[Session], server: EmbeddedRedis) -> None:
    flag = f"test:render:{uuid.uuid4().hex}"
    renders, rival = renders_for(sessions, server.url, flag), renders_for(sessions, server.url,
                                                                          flag)
    client = redis.Redis.from_url(server.url)
    with sessions() as session:
        stale.mark(session, "site", cause=("event-1", "article.published"))
        session.commit()
    started, go = threading.Event(), threading.Event()

    def slow(session: Session, key: str) -> None:
        started.set()
        go.wait(timeout=60)

    done: list[int] = []
    round_ = threading.Thread(target=lambda: done.append(renders.render_all(slow)))
    round_.start()
    try:
        assert started.wait(timeout=30)
        since = time.monotonic()
        waiting: list[bool] = []

        def held_for_three_leases() -> bool:
            assert client.exists(f"{flag}:lock"), "the lock ran out during the render"
            assert rival.render_all(lambda session, key: None) == 0, "a rival took the lock"
            # Read at once: the waiting mark lives a few leases only, less than this test.
            waiting.append(bool(client.exists(f"{flag}:waiting")))
            return time.monotonic() - since > 3 * LEASE

        wait_for(held_for_three_leases, what="three leases to pass")
    finally:
        go.set()
        round_.join(timeout=30)
    assert done == [1]
    assert not client.exists(f"{flag}:lock")  # given back at the end of the round
    assert waiting[0]  # the rival left a task waiting for the lock


def test_a_round_whose_lease_ran_out_stores_nothing_more(
        sessions: sessionmaker[Session], server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    flag = f"test:render:{uuid.uuid4().hex}"
    renders = renders_for(sessions, server.url, flag)
    client = redis.Redis.from_url(server.url)
    with sessions() as session:
        stale.mark(session, "site", "comments", cause=("event-1", "article.published"))
        session.commit()

    def render(session: Session, key: str) -> None:
        client.set(f"{flag}:lock", "another round's token", ex=60)  # ours ran out: taken
        wait_for(lambda: "render lease ran out" in caplog.text, what="the renewal to fail")

    assert renders.render_all(render) == 0
    with sessions() as session:
        assert sorted(session.exec(select(FeedStale.key)).all()) == ["comments", "site"]
    assert client.get(f"{flag}:lock") == b"another round's token"  # not ours to free


def test_a_round_that_ends_while_redis_is_away_gives_its_lease_up(
        sessions: sessionmaker[Session], server: EmbeddedRedis) -> None:
    flag = f"test:render:{uuid.uuid4().hex}"
    renders = renders_for(sessions, server.url, flag)
    with sessions() as session:
        stale.mark(session, "site", cause=("event-1", "article.published"))
        session.commit()

    def render(session: Session, key: str) -> None:
        server.stop()  # Redis goes away during the round, which ends before it is back

    with pytest.raises(redis.ConnectionError):
        renders.render_all(render)
    server.start()
    with sessions() as session:
        stale.mark(session, "comments", cause=("event-2", "comment.created"))
        session.commit()
    # The lease runs out unrenewed, and the next round renders.
    wait_for(lambda: renders.render_all(lambda session, key: None) == 1,
             what="a round to take the lock again")
