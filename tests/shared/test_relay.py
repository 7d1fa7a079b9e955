"""The relay thread alone (no broker): under a stream of commits its rounds are paced, each
with every event that came since the last one started."""

import threading
import time
from typing import Any

import pytest

from shared import relay
from shared.relay import RelayThread
from tests.conftest import wait_for


def test_events_that_come_while_a_round_is_paced_go_together(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relay, "RELAY_PACE", 2.0)  # long: the test hands over well within it
    rounds: list[tuple[float, list[str]]] = []
    first_sent = threading.Event()

    def send(batch: list[dict[str, Any]]) -> None:
        rounds.append((time.monotonic(), [event["id"] for event in batch]))
        first_sent.set()

    thread = RelayThread(send, name="test-relay")
    thread.hand_over([{"id": "a"}])
    assert first_sent.wait(timeout=30)  # after a quiet spell: a round of its own
    for name in "bcd":
        thread.hand_over([{"id": name}])
    wait_for(lambda: len(rounds) == 2, what="the paced round")
    (first, alone), (second, together) = rounds
    assert alone == ["a"] and together == ["b", "c", "d"]
    assert second - first >= 2.0
