"""The outbox against a real Redis and a real SQLite file: events survive a broker outage."""

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import select, text

from shared import outbox as outbox_module
from shared.db import make_engine
from shared.embedded_redis import EmbeddedRedis, free_port
from tests.conftest import wait_for
from tests.databases import BACKEND, database_url
from tests.shared.helpers import make_outbox, message_event_ids, published, queued_event_ids


def test_event_written_while_redis_is_down_is_delivered_once_redis_is_back(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet: the broker is "down"
    outbox, sessions = make_outbox(tmp_path, port)
    with sessions() as session:
        envelope = outbox.add(session, published())
        session.commit()  # the relay runs now, fails, and leaves the row for the sweep
    assert outbox.backlog() == 1

    server = EmbeddedRedis(tmp_path / "redis", port=port).start()
    try:
        assert outbox.sweep() == 1
        assert outbox.backlog() == 0
        assert outbox.sweep() == 0  # sent once, never again
        client = redis.Redis(port=port)
        for consumer in ("comments", "feeds"):
            assert queued_event_ids(client, consumer) == [str(envelope.id)]
        assert client.llen("notify") == 0  # not a subscriber of article.published
    finally:
        server.stop()


def test_event_is_sent_right_after_commit(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        outbox, sessions = make_outbox(tmp_path, server.port)
        with sessions() as session:
            envelope = outbox.add(session, published())
            session.commit()
        assert outbox.backlog() == 0
        assert queued_event_ids(redis.Redis(port=server.port), "feeds") == [str(envelope.id)]
    finally:
        server.stop()


def test_events_added_together_are_stored_in_order_and_sent_after_commit(
        tmp_path: Path) -> None:
    """`add_all`, as an import stores its batch: one statement, the same rows as `add`'s."""
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        outbox, sessions = make_outbox(tmp_path, server.port)
        with sessions() as session:
            assert outbox.add_all(session, []) == []
            envelopes = outbox.add_all(session, [published(n) for n in range(1, 6)])
            session.rollback()  # nothing is sent of a transaction that does not commit
            assert outbox.backlog() == 0
            envelopes = outbox.add_all(session, [published(n) for n in range(1, 6)])
            session.commit()
        assert outbox.backlog() == 0
        ids = [str(envelope.id) for envelope in envelopes]
        assert queued_event_ids(redis.Redis(port=server.port), "feeds") == ids
        with outbox.engine.connect() as connection:
            rows = connection.execute(text("SELECT event_id, type FROM outbox ORDER BY seq"))
            assert [tuple(row) for row in rows] == [(i, "article.published") for i in ids]
    finally:
        server.stop()


def test_the_relay_thread_sends_every_event_of_a_burst_once(tmp_path: Path) -> None:
    """What the services run: commits hand their events to a relay thread, which sends
    whatever has gathered and marks it sent in one transaction."""
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        outbox, sessions = make_outbox(tmp_path, server.port, in_thread=True)

        def commit_one(_: int) -> str:
            with sessions() as session:
                envelope = outbox.add(session, published())
                session.commit()
            return str(envelope.id)

        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(commit_one, range(100)))
        wait_for(lambda: outbox.backlog() == 0, what="every event marked sent")
        assert sorted(queued_event_ids(redis.Redis(port=server.port), "feeds")) == sorted(ids)
        assert outbox.sweep() == 0
    finally:
        server.stop()


def test_a_process_that_exits_right_after_its_commit_still_relays(tmp_path: Path) -> None:
    """A command-line tool commits and exits at once: its relay thread is given time to send
    before the process ends, so the event does not wait for a sweep."""
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        script = ("import sys; from pathlib import Path; from tests.shared.test_outbox import *\n"
                  "outbox, sessions = make_outbox(Path(sys.argv[1]), int(sys.argv[2]),"
                  " in_thread=True)\n"
                  "with sessions() as session:\n"
                  "    print(outbox.add(session, published()).id)\n"
                  "    session.commit()\n")
        event_id = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(server.port)],
                                  check=True, capture_output=True, text=True).stdout.strip()
        assert queued_event_ids(redis.Redis(port=server.port), "feeds") == [event_id]
        assert make_outbox(tmp_path, server.port)[0].backlog() == 0
    finally:
        server.stop()


def test_rolled_back_event_is_never_sent(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        outbox, sessions = make_outbox(tmp_path, server.port)
        with sessions() as session:
            outbox.add(session, published())
            session.rollback()
        assert outbox.sweep() == 0
        assert redis.Redis(port=server.port).llen("feeds") == 0
    finally:
        server.stop()


def test_sweeps_of_several_replicas_at_once_send_each_event_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four replicas' sweeps, each with its own engine, race over the same 200 waiting events
    (on PostgreSQL they skip rows another one has locked)."""
    monkeypatch.setattr(outbox_module, "GRACE", timedelta(0))  # all 200 are up for sweeping
    port = free_port()
    outbox, sessions = make_outbox(tmp_path, port)  # broker down: everything waits
    with sessions() as session:
        ids = {str(outbox.add(session, published()).id) for _ in range(200)}
        session.commit()
    server = EmbeddedRedis(tmp_path / "redis", port=port).start()
    try:
        replicas = [make_outbox(tmp_path, port)[0] for _ in range(4)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            sent = list(pool.map(lambda replica: replica.sweep(limit=200), replicas))
        assert sum(sent) == 200 and outbox.backlog() == 0
        queued = queued_event_ids(redis.Redis(port=port), "feeds")
        assert sorted(queued) == sorted(ids)  # every event, none twice
    finally:
        server.stop()


@pytest.mark.skipif(BACKEND != "postgresql", reason="row locks: the PostgreSQL pass")
@pytest.mark.timeout(30)  # without SKIP LOCKED the sweep would wait here for ever
def test_a_sweep_skips_rows_another_replica_is_claiming(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While another replica's sweep holds the oldest row, this one sends the rest at once
    instead of waiting for it (FOR UPDATE SKIP LOCKED)."""
    monkeypatch.setattr(outbox_module, "GRACE", timedelta(0))
    port = free_port()
    outbox, sessions = make_outbox(tmp_path, port)
    with sessions() as session:
        held, *rest = [outbox.add(session, published()) for _ in range(3)]
        session.commit()
    server = EmbeddedRedis(tmp_path / "redis", port=port).start()
    other = make_engine(database_url(tmp_path, "producer"))
    try:
        with other.begin() as connection:  # the other replica, mid-claim
            connection.execute(text("SELECT seq FROM outbox WHERE event_id = :id FOR UPDATE"),
                               {"id": str(held.id)})
            started = time.monotonic()
            assert outbox.sweep() == 2
            assert time.monotonic() - started < 5  # did not wait for the held row
        queued = queued_event_ids(redis.Redis(port=port), "feeds")
        assert sorted(queued) == sorted(str(envelope.id) for envelope in rest)
        assert outbox.sweep() == 1  # once released, the held row goes too
    finally:
        other.dispose()
        server.stop()


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BURG_REDIS_URL", raising=False)


def test_events_relayed_together_go_to_each_consumer_in_one_message(tmp_path: Path) -> None:
    """One message per consumer carries the batch, in order (`handle_events`); an event sent
    alone goes as `handle_event`, which consumers of every version know."""
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        outbox, sessions = make_outbox(tmp_path, server.port)
        with sessions() as session:
            ids = [str(outbox.add(session, published(n)).id) for n in range(3)]
            session.commit()
        with sessions() as session:
            alone = str(outbox.add(session, published(9)).id)
            session.commit()
        client = redis.Redis(port=server.port)
        for consumer in ("comments", "feeds"):
            messages = client.lrange(consumer, 0, -1)[::-1]  # kombu pushes left, pops right
            assert [message_event_ids(raw) for raw in messages] == [ids, [alone]]
            assert [json.loads(raw)["headers"]["task"] for raw in messages] == [
                f"{consumer}.handle_events", f"{consumer}.handle_event"]
        assert outbox.backlog() == 0
        # Marked sent together (one statement for the batch), each awaiting its consumers.
        with outbox.engine.connect() as conn:
            awaiting = conn.execute(select(outbox.table.c.awaiting)).scalars().all()
        assert len(awaiting) == 4 and all(set(each) >= {"comments", "feeds"} for each in awaiting)
    finally:
        server.stop()


def test_a_long_batch_is_cut_into_messages(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_module, "MESSAGE_BATCH", 4)
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        outbox, sessions = make_outbox(tmp_path, server.port)
        with sessions() as session:
            ids = [str(outbox.add(session, published(n)).id) for n in range(10)]
            session.commit()
        messages = redis.Redis(port=server.port).lrange("feeds", 0, -1)[::-1]
        assert [len(message_event_ids(raw)) for raw in messages] == [4, 4, 2]
        assert [i for raw in messages for i in message_event_ids(raw)] == ids
    finally:
        server.stop()
