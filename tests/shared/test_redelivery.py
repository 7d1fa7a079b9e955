"""Consumers confirm, producers send again what nobody confirmed: an outbox on a SQLite file
(or the PostgreSQL pass's database) and a real Redis, with the bound set to zero so that
every sent event is due at once."""

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shared.confirmations import SENT_AT
from shared.embedded_redis import EmbeddedRedis
from shared.events import Envelope, Event, SubscriptionRequested
from shared.outbox import Outbox
from shared.redelivery import redeliver
from tests.shared.helpers import make_outbox, published, queued_event_ids

ALL = ["feeds", "comments", "search"]  # where article.published goes, in order


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    running = EmbeddedRedis(tmp_path / "redis").start()
    yield running
    running.stop()


@pytest.fixture
def outbox(tmp_path: Path, server: EmbeddedRedis) -> Outbox:
    made, _ = make_outbox(tmp_path, server.port)
    made.redeliver_after = timedelta(0)
    return made


def send(outbox: Outbox, event: Event | None = None) -> dict[str, Any]:
    """Store and relay one event (by default article.published: for comments, feeds and search)."""
    with Session(outbox.engine) as session:
        envelope = outbox.add(session, event or published())
        session.commit()
    data = envelope.model_dump(mode="json")
    assert outbox.relay([data]) == 1  # what the relay does after the commit
    return data


def row(outbox: Outbox, event_id: object) -> dict[str, Any]:
    t = outbox.table
    with outbox.engine.connect() as conn:
        return dict(conn.execute(select(t).where(t.c.event_id == str(event_id))).one()._mapping)


def take_all(client: redis.Redis, queue: str) -> None:
    """Empty `queue` as a worker killed between BRPOP and its unacked record would: the
    messages are gone, nobody handled them."""
    client.delete(queue)


def test_a_confirmed_event_is_settled_and_never_sent_again(
        outbox: Outbox, server: EmbeddedRedis) -> None:
    envelope = send(outbox)
    assert row(outbox, envelope["id"])["awaiting"] == ALL
    client = redis.Redis(port=server.port)
    for consumer in ALL:
        take_all(client, consumer)
        outbox.confirmations.confirm(envelope, consumer)
    assert redeliver(outbox) == 0
    settled = row(outbox, envelope["id"])
    assert settled["awaiting"] is None and settled["resend_at"] is None
    with outbox.engine.connect() as conn:  # SQL's NULL, not JSON's null: plain SQL sees it
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE awaiting IS NULL")
                            ).scalar_one() == 1
    assert settled["resends"] == 0
    assert client.keys("burg:confirmed:*") == []  # read into the database, then deleted
    assert [client.llen(consumer) for consumer in ALL] == [0, 0, 0]


def test_an_event_lost_on_its_way_to_one_consumer_is_sent_again_to_that_one_only(
        outbox: Outbox, server: EmbeddedRedis) -> None:
    envelope = send(outbox)
    client = redis.Redis(port=server.port)
    for consumer in ALL:
        take_all(client, consumer)
    outbox.confirmations.confirm(envelope, "comments")  # feeds' copy was lost
    outbox.confirmations.confirm(envelope, "search")
    assert redeliver(outbox) == 1
    assert queued_event_ids(client, "feeds") == [envelope["id"]]
    assert client.llen("comments") == 0
    resent = row(outbox, envelope["id"])
    assert resent["awaiting"] == ["feeds"] and resent["resends"] == 1
    [raw] = client.lrange("feeds", 0, -1)
    assert float(json.loads(raw)["headers"][SENT_AT]) <= time.time()
    # The copy arrives and is confirmed: settled, nothing more sent.
    take_all(client, "feeds")
    outbox.confirmations.confirm(envelope, "feeds")
    assert redeliver(outbox) == 0
    assert row(outbox, envelope["id"])["awaiting"] is None


def test_an_event_its_consumer_may_still_have_queued_is_not_sent_again(
        outbox: Outbox, server: EmbeddedRedis) -> None:
    """A consumer that is behind (or stopped) still holds the event in its queue: sending it
    again would only pile up copies."""
    envelope = send(outbox)
    client = redis.Redis(port=server.port)
    assert redeliver(outbox) == 0  # every copy still waits in its queue
    assert [client.llen(consumer) for consumer in ALL] == [1, 1, 1]
    waiting = row(outbox, envelope["id"])
    assert waiting["awaiting"] == ALL and waiting["resends"] == 0
    # Its consumer takes a later event, so this one was taken before: now it is due.
    take_all(client, "comments")
    assert redeliver(outbox) == 1
    assert queued_event_ids(client, "comments") == [envelope["id"]]


def test_an_event_in_a_consumer_retry_is_not_sent_again_until_the_retry_is_over(
        outbox: Outbox, server: EmbeddedRedis) -> None:
    envelope = send(outbox)
    client = redis.Redis(port=server.port)
    for consumer in ALL:
        take_all(client, consumer)
    outbox.confirmations.confirm(envelope, "comments")
    outbox.confirmations.confirm(envelope, "search")
    outbox.confirmations.confirm(envelope, "feeds", retrying_until=time.time() + 600)
    assert redeliver(outbox) == 0
    waiting = row(outbox, envelope["id"])
    assert waiting["awaiting"] == ["feeds"]
    assert waiting["resend_at"] is not None  # looked at again once the retry is over
    assert client.llen("feeds") == 0


def test_personal_data_is_kept_until_its_consumer_confirmed_it(
        outbox: Outbox, server: EmbeddedRedis) -> None:
    """The producer may have to send a personal event again, so it forgets the data only
    once the consumer has it."""
    event = SubscriptionRequested(comment_id=1, article_id=1, commenter_id=1, nic="n",
                                  sealed="sealed")
    envelope = send(outbox, event)
    assert row(outbox, envelope["id"])["envelope"]["data"]["sealed"] == "sealed"
    take_all(redis.Redis(port=server.port), "notify")
    outbox.confirmations.confirm(envelope, "notify")
    assert redeliver(outbox) == 0
    assert row(outbox, envelope["id"])["envelope"]["data"] == {}


def test_no_confirmation_can_be_read_while_redis_is_away(
        outbox: Outbox, server: EmbeddedRedis) -> None:
    envelope = send(outbox)
    server.stop()
    assert redeliver(outbox) == 0
    assert row(outbox, envelope["id"])["awaiting"] == ALL
    server.start()
    redis.Redis(port=server.port).delete(*ALL)
    assert redeliver(outbox) == 3  # Redis lost the queues on its restart: all again
    assert isinstance(Envelope.model_validate(row(outbox, envelope["id"])["envelope"]), Envelope)
