"""The relay thread alone (no broker): under a stream of commits its rounds are paced, each
with every event that came since the last one started."""

import threading
import time
from typing import Any

from shared.relay import RelayThread
from tests.conftest import wait_for


def test_events_that_come_while_a_round_is_paced_go_together() -> None:
    rounds: list[tuple[float, list[str]]] = []
    first_sent = threading.Event()

    def send(batch: list[dict[str, Any]]) -> None:
        rounds.append((time.monotonic(), [event["id"] for event in batch]))
        first_sent.set()

    # A long pace: the test hands the next events over well within it.
    thread = RelayThread(send, name="test-relay", pace=2.0)
    thread.hand_over([{"id": "a"}])
    assert first_sent.wait(timeout=30)  # after a quiet spell: a round of its own
    for name in "bcd":
        thread.hand_over([{"id": name}])
    wait_for(lambda: len(rounds) == 2, what="the paced round")
    (first, alone), (second, together) = rounds
    assert alone == ["a"] and together == ["b", "c", "d"]
    assert second - first >= 2.0
