"""The inbox: what makes a consumer idempotent, and where events that failed for good go.

Delivery is at least once (acks late, redelivery after a worker dies), so a consumer records
each handled event id in the same transaction as the event's effects and skips a repeat.
"""

import logging
import smtplib
from collections.abc import Callable, Mapping
from typing import Any

from celery import Celery, Task
from pydantic import ValidationError
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from shared.events import Envelope, Event, utcnow

log = logging.getLogger(__name__)

Handler = Callable[[Session, Any], None]


class RetryLater(Exception):
    """A handler's way to say: not now (a prerequisite is missing), try again with backoff."""


# Faults that pass: a locked or restarting database, an SMTP server that is away.
TRANSIENT: tuple[type[Exception], ...] = (
    RetryLater, OperationalError, ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
)


def inbox_table(metadata: MetaData) -> Table:
    """Ids of the events a service has handled, in its own metadata."""
    return Table(
        "inbox", metadata,
        Column("event_id", String(36), primary_key=True),
        Column("type", String(64), nullable=False),
        Column("handled_at", DateTime(timezone=True), nullable=False),
    )


def dead_letter_table(metadata: MetaData) -> Table:
    """Events a service failed to handle for good, kept so they can be replayed."""
    return Table(
        "dead_letter", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, index=True),
        Column("type", String(64), nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("error", Text, nullable=False),
        Column("failed_at", DateTime(timezone=True), nullable=False),
        Column("replayed_at", DateTime(timezone=True)),
    )


class Inbox:
    """Applies each event at most once through the handler table of a service."""

    def __init__(self, *, table: Table, dead_letters: Table, sessions: sessionmaker[Any],
                 handlers: Mapping[str, Handler] | None = None) -> None:
        self.table = table
        self.dead_letters = dead_letters
        self.sessions = sessions
        self.handlers: dict[str, Handler] = dict(handlers or {})

    def handle(self, raw: Mapping[str, Any]) -> bool:
        """Apply the event in `raw`; False if it was handled before or nobody here wants it."""
        envelope = Envelope.model_validate(raw)
        handler = self.handlers.get(envelope.type)
        if handler is None:
            log.info("inbox: no handler for %s, ignored", envelope.type)
            return False
        event: Event = envelope.event()
        with self.sessions() as session:
            if session.execute(select(self.table.c.event_id)
                               .where(self.table.c.event_id == str(envelope.id))).first():
                return False
            try:
                # Inserted first, so a concurrent copy of the event fails here and not later.
                session.execute(insert(self.table).values(
                    event_id=str(envelope.id), type=envelope.type, handled_at=utcnow()))
                session.flush()
            except IntegrityError:
                session.rollback()
                return False
            handler(session, event)
            session.commit()
        return True

    def bury(self, raw: Mapping[str, Any], error: str) -> None:
        """Keep an event that failed for good, with the reason."""
        with self.sessions() as session:
            session.execute(insert(self.dead_letters).values(
                event_id=str(raw.get("id", "?")), type=str(raw.get("type", "?")),
                envelope=dict(raw), error=error[:4000], failed_at=utcnow()))
            session.commit()
        log.error("inbox: event %s (%s) failed for good: %s", raw.get("id"), raw.get("type"),
                  error)

    def replay_dead_letters(self, celery: Celery, queue: str) -> int:
        """Send every event not yet replayed back to this service's queue."""
        t = self.dead_letters
        with self.sessions() as session:
            rows = session.execute(select(t.c.id, t.c.envelope).where(t.c.replayed_at.is_(None))
                                   .order_by(t.c.id)).all()
            for row_id, envelope in rows:
                celery.send_task(f"{queue}.handle_event", args=[envelope], queue=queue)
                session.execute(update(t).where(t.c.id == row_id).values(replayed_at=utcnow()))
                session.commit()
        return len(rows)


class EventTask(Task):  # type: ignore[misc]
    """Base of every `<service>.handle_event` task: a final failure goes to the dead letters."""

    inbox: Inbox

    def on_failure(self, exc: Exception, task_id: str, args: tuple[Any, ...],
                   kwargs: dict[str, Any], einfo: Any) -> None:
        raw = args[0] if args and isinstance(args[0], Mapping) else {"envelope": repr(args)}
        self.inbox.bury(raw, f"{type(exc).__name__}: {exc}")


def register_event_task(celery: Celery, service: str, inbox: Inbox) -> Task:
    """Define the task `<service>.handle_event` that feeds every event through `inbox`."""
    retry_ceiling = min(600, celery.conf.visibility_timeout // 4)

    @celery.task(name=f"{service}.handle_event", base=EventTask, inbox=inbox,
                 autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=retry_ceiling,
                 retry_jitter=True, max_retries=8, throws=(ValidationError, KeyError))
    def handle_event(envelope: dict[str, Any]) -> None:
        """Apply one event once (the inbox keys on the event id); transient faults retry."""
        inbox.handle(envelope)

    return handle_event
