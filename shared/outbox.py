"""The transactional outbox: an event is stored in the same transaction as the state change
that caused it, sent to its consumers' queues right after the commit, and swept again
periodically until sent — so an accepted write always produces its events, even when the
broker was unreachable at that moment. A sent row then waits for its consumers'
confirmations, and is sent again to whichever did not confirm it (`shared/redelivery.py`).
"""

import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from celery import Celery
from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from shared.confirmations import SENT_AT, Confirmations
from shared.db import UtcDateTime, after_commit
from shared.direct import Direct
from shared.events import EVENT_TYPES, Envelope, Event, consumers, utcnow
from shared.messages import TaskMessages
from shared.observability import EVENTS, REQUEST_ID
from shared.relay import RelayThread

log = logging.getLogger(__name__)

PENDING = "burg_outbox_pending"  # key in Session.info: envelopes to relay after the commit
CLAIM = timedelta(seconds=30)  # a sweep owns a row this long while sending it (should it die)
GRACE = timedelta(seconds=5)  # the sweep leaves a new row this long to the relay after commit
KEEP_SENT = timedelta(days=1)  # sent rows are kept a day for inspection, then pruned
# Events in one broker message to a consumer, at most: it applies them in one transaction (a
# task per event cost more than the event), yet several workers may share a burst.
MESSAGE_BATCH = 50


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table, in a service's own metadata."""
    return Table(
        "outbox", metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("type", String(64), nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("claimed_until", UtcDateTime()),
        Column("sent_at", UtcDateTime(), index=True),  # when last sent
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text),
        # Consumers that have not confirmed the event yet (a JSON list; null: none), when
        # to look for their confirmations next, and how often it was sent again.
        Column("awaiting", JSON(none_as_null=True)),
        Column("resend_at", UtcDateTime(), index=True),
        Column("resends", Integer, nullable=False, default=0, server_default="0"),
    )


class Outbox:
    """Stores events with a transaction and relays them to every consumer's queue."""

    def __init__(self, *, table: Table, engine: Engine, celery: Celery, producer: str,
                 redeliver_after: float = 10.0, relay_pace: float = 0.0) -> None:
        self.table = table
        # Statements built once: a request's events are its outbox's busiest writes, and a
        # statement made anew is given its cache key anew (in `_mark_sent`, once per event).
        # One event's insert runs on the DBAPI cursor (shared/direct.py): SQLAlchemy's
        # execution cost more than the driver's.
        self._insert = insert(table)
        self._insert_one = Direct(self._insert)
        self._mark = _marking(table)
        self.engine = engine
        self.celery = celery
        self.producer = producer
        # Seconds a consumer has to confirm an event once its queue no longer holds it.
        self.redeliver_after = timedelta(seconds=redeliver_after)
        self.confirmations = Confirmations(celery.conf.broker_url)
        self.messages = TaskMessages(celery)
        self.relay_thread = RelayThread(self._send, name=f"burg-{producer}-relay",
                                        pace=relay_pace)

    def add(self, session: Session, event: Event) -> Envelope:
        """Store `event` in the session's transaction; it is relayed once that commits."""
        envelope = Envelope.wrap(event, producer=self.producer, request_id=REQUEST_ID.get())
        data = envelope.model_dump(mode="json")
        # On the session's connection, in its transaction: the ORM's way to run a Core
        # statement cost more than the insert.
        self._insert_one.run(session.connection(), {
            "event_id": str(envelope.id), "type": envelope.type, "attempts": 0,
            "created_at": utcnow(), "envelope": data})
        session.info.setdefault(PENDING, []).append(data)
        return envelope

    def add_all(self, session: Session, events: Sequence[Event]) -> list[Envelope]:
        """`add` for many events at once, in one statement: an import stores hundreds per
        transaction, and one insert each cost it more than making the rows."""
        if not events:
            return []
        request_id, now = REQUEST_ID.get(), utcnow()
        envelopes = [Envelope.wrap(event, producer=self.producer, request_id=request_id)
                     for event in events]
        data = [envelope.model_dump(mode="json") for envelope in envelopes]
        session.connection().execute(self._insert, [
            {"event_id": str(envelope.id), "type": envelope.type, "attempts": 0,
             "created_at": now, "envelope": one} for envelope, one in zip(envelopes, data,
                                                                          strict=True)])
        session.info.setdefault(PENDING, []).extend(data)
        return envelopes

    def relay_after_commit(self, sessions: sessionmaker[Any], *, in_thread: bool = True) -> None:
        """Relay the events of each committed session of `sessions` right after its commit.

        By default a relay thread of this process sends them (see `hand_over`); with
        `in_thread=False` the committing thread does, once its connection is back (relaying
        needs one of its own, and holding two per request could drain the pool).
        """
        after_commit(sessions, PENDING, self.hand_over if in_thread else self.relay)

    def relay(self, envelopes: list[dict[str, Any]]) -> int:
        """Send these just-committed events to their consumers; return how many were sent.

        No claim first: the sweep leaves a fresh row alone for GRACE, and should both ever
        send one, consumers drop the second copy (their inbox knows the event id).
        """
        return self._send(envelopes)

    def hand_over(self, envelopes: list[dict[str, Any]]) -> None:
        """Give just-committed events to this process's relay thread, and return at once
        (`shared/relay.py`): under load one send and one write for many requests, and no
        request waits for the broker."""
        self.relay_thread.hand_over(envelopes)

    def sweep(self, limit: int = 500) -> int:
        """Relay whatever is still unsent (oldest first) and prune old sent rows."""
        now = utcnow()
        t = self.table
        claimable = or_(t.c.claimed_until.is_(None), t.c.claimed_until < now)
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.sent_at < now - KEEP_SENT))
            rows = conn.execute(
                select(t.c.event_id, t.c.envelope)
                .where(t.c.sent_at.is_(None), claimable,
                       or_(t.c.attempts > 0, t.c.created_at < now - GRACE))
                .order_by(t.c.seq).limit(limit)
                # PostgreSQL: rows another replica's sweep is claiming right now are skipped,
                # not waited for (SQLite has one writer at a time and ignores this).
                .with_for_update(skip_locked=True)
            ).all()
            # One relay owns a row for CLAIM; a row another sweep claimed first is skipped.
            claimed = [envelope for event_id, envelope in rows if conn.execute(
                update(t).where(t.c.event_id == event_id, t.c.sent_at.is_(None), claimable)
                .values(claimed_until=now + CLAIM, attempts=t.c.attempts + 1)).rowcount]
        return self._send(claimed)

    def backlog(self) -> int:
        """How many events wait to be sent."""
        query = select(func.count()).select_from(self.table).where(self.table.c.sent_at.is_(None))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _send(self, envelopes: list[dict[str, Any]]) -> int:
        """Put the events on their consumers' queues, one message per consumer (a batch of
        at most MESSAGE_BATCH), all in one round trip, then mark them sent in one transaction.

        If the broker cannot be reached, releases the rows, so that the next sweep after the
        broker returns sends them all.
        """
        routes = [(envelope, consumers(envelope)) for envelope in envelopes]
        batches: dict[str, list[dict[str, Any]]] = {}
        for envelope, to in routes:
            for consumer in to:
                batches.setdefault(consumer, []).append(envelope)
        try:  # every consumer's messages in one round trip
            self.messages.send([self._message(batch[start:start + MESSAGE_BATCH], consumer)
                                for consumer, batch in batches.items()
                                for start in range(0, len(batch), MESSAGE_BATCH)])
        except Exception as exc:  # broker unreachable: leave them all to the sweep
            # A consumer whose copy was pushed before the failure gets another from the
            # sweep: its inbox drops it.
            log.warning("outbox: could not send %d events: %s", len(routes), exc)
            self._release([envelope["id"] for envelope, to in routes if to], error=repr(exc))
            routes = [(envelope, to) for envelope, to in routes if not to]
        for envelope, _ in routes:
            EVENTS.labels(self.producer, envelope["type"], "published").inc()
        if routes:
            self._mark_sent(routes)
        return len(routes)

    def publish(self, envelope: dict[str, Any], consumer: str) -> None:
        """Put one event on one consumer's queue (a blip of Redis is retried briefly)."""
        self.messages.send([self._message([envelope], consumer)])

    def _message(self, envelopes: list[dict[str, Any]], consumer: str) -> tuple[str, str]:
        """These events as one message to one consumer's queue (a single one as
        `handle_event`, which every version of a consumer knows)."""
        first = envelopes[0]
        # What Celery shows of the arguments: the events, never their data (an e-mail
        # address, say).
        if len(envelopes) == 1:
            return self.messages.message(f"{consumer}.handle_event", first, consumer,
                                         shown=f"[{first['type']} {first['id']}]",
                                         headers={SENT_AT: time.time()})
        return self.messages.message(f"{consumer}.handle_events", envelopes, consumer,
                                     shown=f"[{len(envelopes)} events, {first['type']} "
                                           f"{first['id']}…]",
                                     headers={SENT_AT: time.time()})

    def _release(self, unsent: list[str], *, error: str) -> None:
        """Unclaim the rows not sent: kept claimed, they would wait out CLAIM although the
        broker may be back by the next sweep (at most a sweep's limit, or a relay batch)."""
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.event_id.in_(unsent), t.c.sent_at.is_(None))
                         .values(claimed_until=None, last_error=error,
                                 attempts=t.c.attempts + 1))

    def _mark_sent(self, sent: list[tuple[dict[str, Any], list[str]]]) -> None:
        """Mark these events sent, each awaiting its consumers' confirmations: one statement
        for all of them (and one for those whose data is forgotten), not one per event."""
        now = utcnow()
        rows: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
        for envelope, to in sent:
            forget = not to and forget_data(envelope)
            row = {"event": envelope["id"], "when": now, "waiting": to or None,
                   "again": now + self.redeliver_after if to else None}
            if forget:
                row["kept"] = envelope | {"data": {}}
            rows[forget].append(row)
        with self.engine.begin() as conn:
            for forget, some in rows.items():
                if some:
                    self._mark[forget].run_many(conn, some)


def _marking(t: Table) -> dict[bool, Direct]:
    """The UPDATE that marks an event sent (bound values: `event`, `when`, `waiting`,
    `again`), by whether it also forgets the event's data (`kept`: the envelope without it).
    (A bound value of an UPDATE must not take a column's name.) Run on the DBAPI cursor
    (shared/direct.py): with a few events a round, SQLAlchemy's execution cost more than
    the driver's."""
    mark = update(t).where(t.c.event_id == bindparam("event")).values(
        sent_at=bindparam("when"), claimed_until=None, last_error=None,
        awaiting=bindparam("waiting"), resend_at=bindparam("again"))
    return {False: Direct(mark), True: Direct(mark.values(envelope=bindparam("kept")))}


def forget_data(envelope: dict[str, Any]) -> bool:
    """Whether the producer keeps no copy of this event's data once its consumers have it
    (it carries personal data, an e-mail address say)."""
    event_type = EVENT_TYPES.get(envelope["type"])
    return event_type is not None and event_type.personal
