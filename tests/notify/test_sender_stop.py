"""The sending threads on a warm shutdown: they start no new e-mail once the shutdown has
begun, and those under way end within one budget for all threads together."""

import threading
from typing import cast

from services.notify.delivery import Deliveries
from services.notify.sender import Sender, stop_budget
from services.notify.settings import NotifySettings
from tests.conftest import wait_for


class Outbox:
    """Deliveries whose sends hold until released (a slow SMTP conversation)."""

    def __init__(self) -> None:
        self.waiting = [f"key-{n}" for n in range(20)]
        self.started: list[str] = []
        self.release = threading.Event()
        self.lock = threading.Lock()

    def due_keys(self, limit: int) -> list[str]:
        with self.lock:
            return self.waiting[:limit]

    def deliver(self, key: str) -> bool:
        with self.lock:
            self.waiting.remove(key)
            self.started.append(key)
        self.release.wait()
        return True


def test_a_stopping_sender_starts_nothing_new_and_waits_for_the_sends_under_way() -> None:
    outbox = Outbox()
    sender = Sender(cast(Deliveries, outbox), threads=3, poll_seconds=0.05)
    sender.start()
    wait_for(lambda: len(outbox.started) == 3, what="three sends under way")
    sender.stop_starting()  # the worker's shutdown begins; its pool drains meanwhile
    outbox.release.set()
    sender.stop(timeout=60)
    assert not any(thread.is_alive() for thread in sender.threads)
    assert len(outbox.started) == 3 and len(outbox.waiting) == 17


def test_the_budget_covers_a_whole_smtp_conversation() -> None:
    assert stop_budget(NotifySettings(smtp_total_seconds=42)) > 42
