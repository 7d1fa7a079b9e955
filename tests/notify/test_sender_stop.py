"""The sending threads on a warm shutdown: they start no new e-mail once the shutdown has
begun, and those under way end within one budget for all threads together."""

import threading
from typing import cast

from services.notify.delivery import Deliveries
from services.notify.sender import Sender, stop_budget
from services.notify.settings import NotifySettings
from tests.conftest import wait_for


class Connection:
    def close_if_idle(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, *args: object) -> None:
        raise AssertionError("not used: send_claimed is the fake's")


class Outbox:
    """Deliveries whose sends hold until released (a slow SMTP conversation)."""

    settings = NotifySettings()

    def __init__(self) -> None:
        self.waiting = [f"key-{n}" for n in range(20)]
        self.claimed: list[str] = []
        self.started: list[str] = []
        self.given_back: list[str] = []
        self.release_sends = threading.Event()
        self.lock = threading.Lock()

    def connection(self) -> Connection:
        return Connection()

    def claim_due(self, limit: int) -> list[str]:
        with self.lock:
            taken, self.waiting = self.waiting[:limit], self.waiting[limit:]
            self.claimed += taken
            return taken

    def send_claimed(self, key: str, send: object) -> bool:
        with self.lock:
            self.started.append(key)
        self.release_sends.wait()
        return True

    def release(self, keys: list[str]) -> None:
        with self.lock:
            self.given_back += keys
            self.waiting += keys


def test_a_stopping_sender_starts_nothing_new_and_waits_for_the_sends_under_way() -> None:
    outbox = Outbox()
    sender = Sender(cast(Deliveries, outbox), threads=3, poll_seconds=0.05)
    sender.start()
    wait_for(lambda: len(outbox.started) == 3, what="three sends under way")
    sender.stop_starting()  # the worker's shutdown begins; its pool drains meanwhile
    outbox.release_sends.set()
    sender.stop(timeout=60)
    assert not any(thread.is_alive() for thread in sender.threads)
    assert len(outbox.started) == 3 and len(outbox.waiting) == 17
    # Whatever was claimed but not started is given back, not left to its lease.
    assert sorted(outbox.claimed) == sorted(outbox.started + outbox.given_back)


def test_the_budget_covers_a_whole_smtp_conversation() -> None:
    assert stop_budget(NotifySettings(smtp_total_seconds=42)) > 42
