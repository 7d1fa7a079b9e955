"""Recording e-mails as sent, the moment their servers said 250: the sending threads whose
servers answered while another thread's record was being written share the next
transaction (a group commit), and each waits until its own record is written, so an e-mail
counts as recorded exactly when it is, as with a transaction of its own."""

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import col

from services.notify.models import Delivery, Status
from shared.events import Clock


class _Record:
    def __init__(self, key: str, claim: str) -> None:
        self.key, self.claim = key, claim
        self.outcome: bool | Exception | None = None  # None: not written yet


class SentRecords:
    """Writes "sent" records, those waiting together, one writer at a time."""

    def __init__(self, sessions: sessionmaker[Any], clock: Clock) -> None:
        self.sessions, self.clock = sessions, clock
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
        held = or_(*(and_(col(Delivery.key) == record.key, col(Delivery.claim) == record.claim)
                     for record in batch))
        with self.sessions() as session:
            keys = session.execute(
                update(Delivery).where(col(Delivery.status) == Status.sending, held)
                .values(status=Status.sent, claimed_until=None, last_error=None, sent_at=now)
                .returning(col(Delivery.key)),
                execution_options={"synchronize_session": False}).scalars().all()
            session.commit()
        return set(keys)
