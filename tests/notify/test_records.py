"""Recording sent e-mails: a sending thread whose record another thread is writing goes on
at once (its record is written by that writer), and waits for it before it records the next,
so no thread ever has two e-mails sent and not recorded."""

import threading
from datetime import datetime
from typing import Any

from services.notify.models import Delivery, Status
from services.notify.records import SentRecords
from tests.conftest import wait_for
from tests.notify.conftest import Notify, SMTPServer
from tests.notify.helpers import comment, confirm, status, subscribe


class HeldWrites(SentRecords):
    """Writes only once `go` is set; `writing` tells when a write has begun."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.go, self.writing = threading.Event(), threading.Event()
        self.batches: list[list[str]] = []

    def _write(self, batch: Any, now: datetime) -> set[str]:
        self.writing.set()
        assert self.go.wait(20)
        self.batches.append([record.key for record in batch])
        return super()._write(batch, now)


def sending(notify: Notify, keys: list[str]) -> None:
    """Mark the deliveries `keys` as claimed (claim "c"), as a sender holds them."""
    with notify.sessions() as session:
        for key in keys:
            delivery = session.get_one(Delivery, key)
            delivery.status, delivery.claim = Status.sending, "c"
            session.add(delivery)
        session.commit()


def test_a_thread_leaves_its_record_to_the_writer_and_waits_for_it_before_the_next(
        notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    confirm(notify, smtp)
    notify.deliveries.sent.record = lambda *args: None  # type: ignore[method-assign]
    for n in (2, 3, 4):  # stored, and their sends' records dropped: still "sending" at most
        comment(notify, comment_id=n)
    keys = [f"reply:{n}:1" for n in (2, 3, 4)]
    sending(notify, keys)
    records = HeldWrites(notify.sessions, notify.clock)
    writer = threading.Thread(target=records.record, args=(keys[0], "c", "<a@x>"))
    writer.start()
    assert records.writing.wait(20)  # the writer is in its transaction
    left, done = threading.Event(), threading.Event()

    def one_thread_twice() -> None:
        records.record(keys[1], "c", "<b@x>")  # left to the writer: back at once
        left.set()
        records.record(keys[2], "c", "<c@x>")  # waits for the one it left
        done.set()

    sender = threading.Thread(target=one_thread_twice)
    sender.start()
    assert left.wait(20)
    assert status(notify, keys[1]) == Status.sending
    assert not done.wait(0.2)
    records.go.set()
    for thread in (writer, sender):
        thread.join(20)
    wait_for(lambda: [status(notify, key) for key in keys] == [Status.sent] * 3,
             what="every record written")
    assert records.batches[:2] == [[keys[0]], [keys[1]]]
