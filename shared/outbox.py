"""The transactional outbox: an event is stored in the same transaction as the state change
that caused it, sent to its consumers' queues right after the commit, and swept again
periodically until sent — so an accepted write always produces its events, even when the
broker was unreachable at that moment. A sent row then waits for its consumers'
confirmations, and is sent again to whichever did not confirm it (`shared/redelivery.py`).
"""

import atexit
import logging
import os
import queue
import threading
import time
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
from shared.events import EVENT_TYPES, Envelope, Event, consumers, utcnow
from shared.forks import on_fork
from shared.observability import EVENTS, REQUEST_ID

log = logging.getLogger(__name__)

PENDING = "burg_outbox_pending"  # key in Session.info: envelopes to relay after the commit
CLAIM = timedelta(seconds=30)  # a sweep owns a row this long while sending it (should it die)
GRACE = timedelta(seconds=5)  # the sweep leaves a new row this long to the relay after commit
KEEP_SENT = timedelta(days=1)  # sent rows are kept a day for inspection, then pruned
RELAY_BATCH = 200  # events the relay thread sends and marks sent in one round, at most
RELAY_EXIT_WAIT = 10  # seconds a process that exits gives its relay thread to finish


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
                 redeliver_after: float = 10.0) -> None:
        self.table = table
        self.engine = engine
        self.celery = celery
        self.producer = producer
        # Seconds a consumer has to confirm an event once its queue no longer holds it.
        self.redeliver_after = timedelta(seconds=redeliver_after)
        self.confirmations = Confirmations(celery.conf.broker_url)
        self._relay_start = threading.Lock()
        # A forked child (a worker's pool child) must not inherit the lock held by a thread
        # of its parent: it would wait for it for good.
        on_fork(child=self._forked)
        self._relaying: tuple[int, queue.SimpleQueue[list[dict[str, Any]] | None]] | None = None

    def add(self, session: Session, event: Event) -> Envelope:
        """Store `event` in the session's transaction; it is relayed once that commits."""
        envelope = Envelope.wrap(event, producer=self.producer, request_id=REQUEST_ID.get())
        data = envelope.model_dump(mode="json")
        session.execute(insert(self.table).values(
            event_id=str(envelope.id), type=envelope.type, attempts=0, created_at=utcnow(),
            envelope=data,
        ))
        session.info.setdefault(PENDING, []).append(data)
        return envelope

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
        """Give just-committed events to this process's relay thread, and return at once.

        The thread sends whatever has gathered meanwhile and marks it all sent in one
        transaction: under load, one write for many requests instead of one more per request,
        and no request waits for the broker. It starts on first use (again in a forked child,
        which inherits no threads) and is given RELAY_EXIT_WAIT to finish when the process
        exits; what a killed process had not sent, the sweep sends after GRACE.
        """
        with self._relay_start:
            if self._relaying is None or self._relaying[0] != os.getpid():
                waiting: queue.SimpleQueue[list[dict[str, Any]] | None] = queue.SimpleQueue()
                thread = threading.Thread(target=self._relay_loop, args=(waiting,),
                                          name=f"burg-{self.producer}-relay", daemon=True)
                thread.start()
                atexit.register(self._finish_relaying, waiting, thread)
                self._relaying = (os.getpid(), waiting)
        self._relaying[1].put(envelopes)

    def _forked(self) -> None:
        self._relay_start = threading.Lock()

    def _relay_loop(self, waiting: "queue.SimpleQueue[list[dict[str, Any]] | None]") -> None:
        finished = False
        while not finished:
            batch = waiting.get()
            if batch is None:
                return
            while len(batch) < RELAY_BATCH and not waiting.empty():
                more = waiting.get_nowait()
                if more is None:
                    finished = True
                    break
                batch = batch + more
            try:
                self._send(batch)
            except Exception:  # the database refused the mark: the sweep resends them
                log.exception("outbox: relaying %d events failed", len(batch))

    @staticmethod
    def _finish_relaying(waiting: "queue.SimpleQueue[list[dict[str, Any]] | None]",
                         thread: threading.Thread) -> None:
        waiting.put(None)
        thread.join(timeout=RELAY_EXIT_WAIT)

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
        """Put each event on its consumers' queues, then mark all sent in one transaction.

        Stops at the first failure (the broker is likely down) and releases every row it did
        not send, so that the next sweep after the broker returns sends them all.
        """
        sent: list[tuple[dict[str, Any], list[str]]] = []
        for index, envelope in enumerate(envelopes):
            to = consumers(envelope)
            try:
                for consumer in to:
                    self.publish(envelope, consumer)
            except Exception as exc:  # broker unreachable: leave the row for the sweep
                log.warning("outbox: could not send %s %s: %s", envelope["type"],
                            envelope["id"], exc)
                self._release(envelope["id"], [e["id"] for e in envelopes[index + 1:]],
                              error=repr(exc))
                break
            sent.append((envelope, to))
            EVENTS.labels(self.producer, envelope["type"], "published").inc()
        if sent:
            self._mark_sent(sent)
        return len(sent)

    def publish(self, envelope: dict[str, Any], consumer: str) -> None:
        """Put one event on one consumer's queue (Celery retries a blip briefly)."""
        self.celery.send_task(
            f"{consumer}.handle_event", args=[envelope], queue=consumer,
            retry=True, retry_policy={"max_retries": 2, "interval_start": 0.1},
            headers={SENT_AT: time.time()},
            # What Celery shows of the arguments: the event, never its data (an e-mail
            # address, say); and no repr() of the whole envelope per send.
            argsrepr=f"[{envelope['type']} {envelope['id']}]", kwargsrepr="{}",
        )

    def _release(self, failed: str, untried: list[str], *, error: str) -> None:
        """Unclaim the row whose send failed and those not tried after it: kept claimed,
        they would wait out CLAIM although the broker may be back by the next sweep."""
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.event_id == failed)
                         .values(claimed_until=None, last_error=error,
                                 attempts=t.c.attempts + 1))
            if untried:  # at most a sweep's limit (500) or a relay batch of ids
                conn.execute(update(t).where(t.c.event_id.in_(untried), t.c.sent_at.is_(None))
                             .values(claimed_until=None))

    def _mark_sent(self, sent: list[tuple[dict[str, Any], list[str]]]) -> None:
        now, t = utcnow(), self.table
        with self.engine.begin() as conn:
            for envelope, to in sent:
                values: dict[str, Any] = {
                    "sent_at": now, "claimed_until": None, "last_error": None,
                    "awaiting": to or None, "resend_at": now + self.redeliver_after if to else None}
                if not to and forget_data(envelope):
                    values["envelope"] = envelope | {"data": {}}
                conn.execute(update(t).where(t.c.event_id == envelope["id"]).values(**values))


def forget_data(envelope: dict[str, Any]) -> bool:
    """Whether the producer keeps no copy of this event's data once its consumers have it
    (it carries personal data, an e-mail address say)."""
    event_type = EVENT_TYPES.get(envelope["type"])
    return event_type is not None and event_type.personal
