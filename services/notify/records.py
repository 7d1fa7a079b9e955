"""Recording e-mails as sent, the moment their servers said 250: the sending threads whose
servers answered while another thread's record was being written share the next
transaction (a group commit), and each waits until its own record is written, so an e-mail
counts as recorded exactly when it is, as with a transaction of its own."""

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, bindparam, update
from sqlalchemy.orm import sessionmaker

from services.notify.models import NotifyTable, Status
from shared.direct import Direct
from shared.events import Clock

_delivery: Table = NotifyTable.metadata.tables["delivery"]
# Compiled once and run on the DBAPI cursor (`shared/direct.py`): SQLAlchemy's bookkeeping
# around a statement cost more than the write. The delivery `the_key`, if `the_claim` still
# holds it, becomes sent; one statement per record (most transactions write one).
RECORD = Direct(update(_delivery).where(
    _delivery.c.key == bindparam("the_key"), _delivery.c.claim == bindparam("the_claim"),
    _delivery.c.status == Status.sending,
).values(status=Status.sent, claimed_until=None, last_error=None, sent_at=bindparam("now")
         ).returning(_delivery.c.key))


class _Record:
    def __init__(self, key: str, claim: str) -> None:
        self.key, self.claim = key, claim
        self.outcome: bool | Exception | None = None  # None: not written yet


class SentRecords:
    """Writes "sent" records, those waiting together, one writer at a time."""

    def __init__(self, sessions: sessionmaker[Any], clock: Clock) -> None:
        self.sessions, self.clock = sessions, clock
        self.engine: Engine = sessions.kw["bind"]
        self.waiting: list[_Record] = []
        self.lock = threading.Lock()  # guards `waiting`
        self.writing = threading.Lock()  # one transaction at a time

    def record(self, key: str, claim: str) -> bool:
        """Record the delivery `key` as sent, if `claim` still holds it (a sender whose lease
        ran out must not overwrite what the next one recorded); True if it did. Raises if
        the database could not write it."""
        mine = _Record(key, claim)
        with self.lock:
            self.waiting.append(mine)
        with self.writing:
            if mine.outcome is None:  # the last writer did not take it: write all waiting
                with self.lock:
                    batch, self.waiting = self.waiting, []
                try:
                    recorded = self._write(batch, self.clock())
                except Exception as exc:
                    for record in batch:
                        record.outcome = exc
                else:
                    for record in batch:
                        record.outcome = record.key in recorded
        if isinstance(mine.outcome, Exception):
            raise RuntimeError(f"could not record the e-mail as sent: {mine.outcome!r}")
        return bool(mine.outcome)

    def _write(self, batch: list[_Record], now: datetime) -> set[str]:
        # On a connection of the sessions' engine: a statement needs no ORM session, whose
        # making, connecting and committing cost more than the statement.
        with self.engine.begin() as connection:
            return {row.key for record in batch for row in RECORD.rows(
                connection, {"the_key": record.key, "the_claim": record.claim, "now": now})}
