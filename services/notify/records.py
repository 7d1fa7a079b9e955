"""Recording e-mails as sent, the moment their servers said 250.

The sending threads share one writer: a thread whose server said 250 while another thread is
writing records leaves its record to that writer and sends its next e-mail at once, instead
of waiting for the database's write turn (which the worker's pool child holds for a whole
batch of events); the writer writes all records waiting, in one transaction each round, until
none is left. A thread waits for its previous record to be written before it leaves the next,
so each thread has at most one e-mail taken by its server and not yet recorded, as when it
waited: a sender killed meanwhile sends no more of them twice than before."""

import logging
import threading
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import col

from services.notify.models import Delivery, Status
from shared.events import Clock

log = logging.getLogger(__name__)


class _Record:
    def __init__(self, key: str, claim: str, message_id: str) -> None:
        self.key, self.claim, self.message_id = key, claim, message_id
        self.written = threading.Event()  # its transaction ended (recorded or not)


class SentRecords:
    """Writes "sent" records, those waiting together, one writer at a time."""

    def __init__(self, sessions: sessionmaker[Any], clock: Clock) -> None:
        self.sessions, self.clock = sessions, clock
        self.waiting: list[_Record] = []
        self.lock = threading.Lock()  # guards `waiting` and `writer`
        self.writer = False  # a thread is writing what waits
        self.mine = threading.local()  # the record this thread left to the writer

    def record(self, key: str, claim: str, message_id: str) -> None:
        """Record the delivery `key` as sent, if `claim` still holds it (a sender whose lease
        ran out must not overwrite what the next one recorded), now or by the thread writing
        records at the time; log the outcome. Never raises: a record that could not be
        written is logged, and its e-mail goes out again once its lease has run out (with the
        same Message-ID)."""
        left: _Record | None = getattr(self.mine, "left", None)
        if left is not None:
            left.written.wait()
        mine = _Record(key, claim, message_id)
        with self.lock:
            self.waiting.append(mine)
            if self.writer:
                self.mine.left = mine
                return
            self.writer = True
        self.mine.left = None
        batch: list[_Record] = []
        try:
            while True:
                with self.lock:
                    batch, self.waiting = self.waiting, []
                    if not batch:
                        self.writer = False
                        return
                self._write_logged(batch)
                batch = []
        except BaseException:  # interrupted: the next caller writes what waits
            with self.lock:
                self.writer = False
            for record in batch:
                record.written.set()
            raise

    def _write_logged(self, batch: list[_Record]) -> None:
        try:
            recorded = self._write(batch, self.clock())
        except Exception:
            log.exception("%d e-mails sent but not recorded (%s)", len(batch),
                          ", ".join(record.key.split(":")[0] for record in batch))
            recorded = None
        for record in batch:
            if recorded is None:
                pass
            elif record.key in recorded:
                log.info("e-mail %s sent (%s)", record.key.split(":")[0], record.message_id)
            else:
                log.warning("e-mail %s: its lease ran out while it was sent; not recorded",
                            record.key.split(":")[0])
            record.written.set()

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
