"""The transactional outbox: an event is stored in the same transaction as the state change
that caused it, sent to its consumers' queues right after the commit, and swept again
periodically until sent — so an accepted write always produces its events, even when the
broker was unreachable at that moment.
"""

import logging
from datetime import timedelta
from typing import Any

from celery import Celery
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from shared.events import EVENT_TYPES, ROUTES, Envelope, Event, utcnow

log = logging.getLogger(__name__)

PENDING = "burg_outbox_pending"  # keys in Session.info: ids to relay after the commit,
COMMITTED = "burg_outbox_committed"  # and ids whose transaction committed
CLAIM = timedelta(seconds=30)  # one relay owns a row this long while sending it
KEEP_SENT = timedelta(days=1)  # sent rows are kept a day for inspection, then pruned


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table, in a service's own metadata."""
    return Table(
        "outbox", metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("type", String(64), nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("claimed_until", DateTime(timezone=True)),
        Column("sent_at", DateTime(timezone=True), index=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text),
    )


class Outbox:
    """Stores events with a transaction and relays them to every consumer's queue."""

    def __init__(self, *, table: Table, engine: Engine, celery: Celery, producer: str) -> None:
        self.table = table
        self.engine = engine
        self.celery = celery
        self.producer = producer

    def add(self, session: Session, event: Event) -> Envelope:
        """Store `event` in the session's transaction; it is relayed once that commits."""
        envelope = Envelope.wrap(event, producer=self.producer)
        session.execute(insert(self.table).values(
            event_id=str(envelope.id), type=envelope.type, attempts=0, created_at=utcnow(),
            envelope=envelope.model_dump(mode="json"),
        ))
        session.info.setdefault(PENDING, []).append(str(envelope.id))
        return envelope

    def relay_after_commit(self, sessions: sessionmaker[Any]) -> None:
        """Relay the events of each committed session of `sessions` right after its commit."""

        @event.listens_for(sessions, "after_commit")
        def _committed(session: Session) -> None:
            session.info.setdefault(COMMITTED, []).extend(session.info.pop(PENDING, []))

        @event.listens_for(sessions, "after_rollback")
        def _forget(session: Session) -> None:
            session.info.pop(PENDING, None)

        # Relay once the transaction has ended and given its connection back: relaying needs
        # a connection of its own, and holding two per request could drain the pool.
        @event.listens_for(sessions, "after_transaction_end")
        def _relay(session: Session, transaction: Any) -> None:
            if transaction.parent is not None or not session.info.get(COMMITTED):
                return
            try:
                self.relay(session.info.pop(COMMITTED))
            except Exception:  # the write is committed; the sweep sends what is left
                log.exception("outbox: relay after commit failed")

    def relay(self, event_ids: list[str]) -> int:
        """Send these events to their consumers; return how many were sent.

        Stops at the first failure (the broker is likely down): the sweep retries later.
        """
        sent = 0
        for event_id in event_ids:
            envelope = self._claim(event_id)
            if envelope is None:
                continue  # already sent, or another relay is sending it
            try:
                for consumer in ROUTES.get(envelope["type"], ()):
                    self.celery.send_task(
                        f"{consumer}.handle_event", args=[envelope], queue=consumer,
                        retry=True, retry_policy={"max_retries": 2, "interval_start": 0.1},
                    )
            except Exception as exc:  # broker unreachable: leave the row for the sweep
                log.warning("outbox: could not send %s %s: %s", envelope["type"], event_id, exc)
                self._release(event_id, error=repr(exc))
                break
            self._mark_sent(event_id, envelope)
            sent += 1
        return sent

    def sweep(self, limit: int = 500) -> int:
        """Relay whatever is still unsent (oldest first) and prune old sent rows."""
        now = utcnow()
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.sent_at < now - KEEP_SENT))
            ids = conn.execute(
                select(t.c.event_id)
                .where(t.c.sent_at.is_(None),
                       or_(t.c.claimed_until.is_(None), t.c.claimed_until < now))
                .order_by(t.c.seq).limit(limit)
            ).scalars().all()
        return self.relay(list(ids))

    def backlog(self) -> int:
        """How many events wait to be sent."""
        query = select(func.count()).select_from(self.table).where(self.table.c.sent_at.is_(None))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _claim(self, event_id: str) -> dict[str, Any] | None:
        now = utcnow()
        t = self.table
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(t)
                .where(t.c.event_id == event_id, t.c.sent_at.is_(None),
                       or_(t.c.claimed_until.is_(None), t.c.claimed_until < now))
                .values(claimed_until=now + CLAIM, attempts=t.c.attempts + 1)
            ).rowcount
            if not claimed:
                return None
            envelope: dict[str, Any] = conn.execute(
                select(t.c.envelope).where(t.c.event_id == event_id)).scalar_one()
            return envelope

    def _release(self, event_id: str, *, error: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(self.table).where(self.table.c.event_id == event_id)
                         .values(claimed_until=None, last_error=error))

    def _mark_sent(self, event_id: str, envelope: dict[str, Any]) -> None:
        values: dict[str, Any] = {"sent_at": utcnow(), "claimed_until": None, "last_error": None}
        event_type = EVENT_TYPES.get(envelope["type"])
        if event_type is not None and event_type.personal:
            values["envelope"] = envelope | {"data": {}}  # the consumer has it now; we forget
        with self.engine.begin() as conn:
            conn.execute(update(self.table).where(self.table.c.event_id == event_id)
                         .values(**values))
