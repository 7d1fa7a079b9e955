"""The inbox: what makes a consumer idempotent, and where events that failed for good go.

Delivery is at least once (acks late, redelivery after a worker dies), so a consumer records
each handled event id in the same transaction as the event's effects and skips a repeat.
"""

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from shared.db import UtcDateTime
from shared.direct import Direct
from shared.events import Envelope, Event, utcnow
from shared.observability import REQUEST_ID

if TYPE_CHECKING:
    from shared.outbox import Outbox

log = logging.getLogger(__name__)

Handler = Callable[[Session, Any], None]
# Key in Session.info: (id, type) of the event a handler is applying, for whatever it records
# that should name its cause.
HANDLING = "burg_handling_event"
# Key in Session.info: the service's outbox, for a handler whose event causes one of its own
# (`outbox_of`), stored in the transaction of its effects.
OUTBOX = "burg_outbox"


class RetryLater(Exception):
    """A handler's way to say: not now (a prerequisite is missing), try again with backoff."""


def inbox_table(metadata: MetaData) -> Table:
    """Ids of the events a service has handled, in its own metadata."""
    return Table(
        "inbox", metadata,
        Column("event_id", String(36), primary_key=True),
        Column("type", String(64), nullable=False),
        Column("handled_at", UtcDateTime(), nullable=False),
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
        Column("failed_at", UtcDateTime(), nullable=False),
        Column("replayed_at", UtcDateTime()),
    )


def outbox_of(session: Session) -> "Outbox":
    """The outbox of the service whose inbox is applying an event in `session`: a handler
    answers an event with one of its own through it (notify's `recovery.wanted`, say)."""
    outbox = session.info.get(OUTBOX)
    if outbox is None:
        raise RuntimeError("this inbox has no outbox: its handlers cannot publish events")
    return cast("Outbox", outbox)


class Inbox:
    """Applies each event at most once through the handler table of a service."""

    def __init__(self, *, table: Table, dead_letters: Table, sessions: sessionmaker[Any],
                 handlers: Mapping[str, Handler] | None = None,
                 outbox: "Outbox | None" = None) -> None:
        self.table = table
        self.dead_letters = dead_letters
        self.sessions = sessions
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.outbox = outbox  # for handlers that publish (`outbox_of`)
        # An event's id, inserted unless a row has it already (another worker's, say): built
        # once and run on the session's cursor (`shared/direct.py`). Through SQLAlchemy's
        # execute, a message's one or few ids cost more CPU than the handlers' own work.
        self._claim = {name: Direct(dialect.insert(table).on_conflict_do_nothing()
                                    .returning(table.c.event_id))
                       for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))}

    def claim(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> set[str]:
        """Insert these inbox rows but those whose event id a row has already: the ids
        inserted. In the order of their ids: two batches that share events then lock them
        in the same order on PostgreSQL, never each waiting for the other."""
        connection = session.connection()
        claim = self._claim[connection.dialect.name]
        return {row.event_id for values in sorted(rows, key=lambda values: values["event_id"])
                if (row := claim.first(connection, values)) is not None}

    def handle(self, raw: Mapping[str, Any]) -> bool:
        """Apply the event in `raw`; False if it was handled before or nobody here wants it."""
        envelope = Envelope.model_validate(raw)
        handler = self.handlers.get(envelope.type)
        if handler is None:
            log.info("inbox: no handler for %s, ignored", envelope.type)
            return False
        event: Event = envelope.event()
        with self.sessions() as session:
            # The event's id first, in the transaction of its effects: a copy handled before,
            # or being handled by another worker right now (its row waits for that commit),
            # inserts nothing and is skipped.
            if not self.claim(session, [{"event_id": str(envelope.id), "type": envelope.type,
                                         "handled_at": utcnow()}]):
                return False
            session.info[HANDLING] = (str(envelope.id), envelope.type)
            session.info[OUTBOX] = self.outbox
            handler(session, event)
            session.commit()
        return True

    def handle_batch(self, raws: Sequence[Mapping[str, Any]]) -> list[bool]:
        """Apply the events in `raws`, in order, in one transaction with one inbox statement;
        for each, whether it was applied (False: handled before, a copy earlier in the batch,
        or nobody here wants it). Any failure rolls the whole batch back."""
        wanted: list[tuple[int, str, Envelope]] = []
        for index, raw in enumerate(raws):
            envelope = Envelope.model_validate(raw)
            if envelope.type in self.handlers:
                wanted.append((index, str(envelope.id), envelope))
            else:
                log.info("inbox: no handler for %s, ignored", envelope.type)
        applied = [False] * len(raws)
        if not wanted:
            return applied
        events = [(index, event_id, envelope, envelope.event())
                  for index, event_id, envelope in wanted]
        now = utcnow()
        rows = {event_id: {"event_id": event_id, "type": envelope.type, "handled_at": now}
                for _, event_id, envelope in wanted}
        with self.sessions() as session:
            session.info[OUTBOX] = self.outbox
            # The ids first, as `handle` does (a prepared insert each, in the order of their
            # ids): those handled before (or by another worker right now) insert nothing and
            # are skipped.
            new = self.claim(session, list(rows.values()))
            for index, event_id, envelope, event in events:
                if event_id not in new:
                    continue
                new.discard(event_id)  # a second copy in this batch is skipped too
                session.info[HANDLING] = (event_id, envelope.type)
                # What the handler logs, and the events it causes, carry its event's request.
                token = REQUEST_ID.set(str(envelope.request_id or event_id))
                try:
                    self.handlers[envelope.type](session, event)
                finally:
                    REQUEST_ID.reset(token)
                applied[index] = True
            session.commit()
        return applied

    def bury(self, raw: Mapping[str, Any], error: str) -> None:
        """Keep an event that failed for good, with the reason."""
        with self.sessions() as session:
            session.execute(insert(self.dead_letters).values(
                event_id=str(raw.get("id", "?")), type=str(raw.get("type", "?")),
                envelope=dict(raw), error=error[:4000], failed_at=utcnow()))
            session.commit()
        log.error("inbox: event %s (%s) failed for good: %s", raw.get("id"), raw.get("type"),
                  error)

    def dead_letters_waiting(self) -> list[dict[str, Any]]:
        """Events that failed for good and were not replayed yet, oldest first."""
        t = self.dead_letters
        with self.sessions() as session:
            rows = session.execute(select(t.c.id, t.c.event_id, t.c.type, t.c.error,
                                          t.c.failed_at)
                                   .where(t.c.replayed_at.is_(None)).order_by(t.c.id)).all()
        return [dict(row._mapping) for row in rows]

    def mark_replayed(self, dead_letter_id: int) -> None:
        """Note that a dead letter was sent back to the queue."""
        t = self.dead_letters
        with self.sessions() as session:
            session.execute(update(t).where(t.c.id == dead_letter_id)
                            .values(replayed_at=utcnow()))
            session.commit()

    def dead_letter_envelope(self, dead_letter_id: int) -> dict[str, Any]:
        """The envelope kept with a dead letter."""
        t = self.dead_letters
        with self.sessions() as session:
            envelope: dict[str, Any] = session.execute(
                select(t.c.envelope).where(t.c.id == dead_letter_id)).scalar_one()
        return envelope
