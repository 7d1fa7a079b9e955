"""The outbox's relay thread: it sends the events a process has just committed, gathering
what arrives meanwhile, so that under load one send per consumer and one write mark many
requests' events sent, and no request waits for the broker.

Under load its rounds may be paced (`pace`, the service's `relay_pace`): a round starts at
least that long after the last one started, with every event that came meanwhile. A round's
send costs little (one round trip to Redis), so unpaced a stream of requests went one event a
round, and each consumer paid a broker message (about a millisecond of a worker's CPU,
whatever it holds) per event. An event after a quiet spell goes at once."""

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from shared.forks import on_fork

log = logging.getLogger(__name__)

RELAY_BATCH = 200  # events the relay thread sends and marks sent in one round, at most
RELAY_EXIT_WAIT = 10  # seconds a process that exits gives its relay thread to finish

Batch = list[dict[str, Any]]


class RelayThread:
    """A thread of this process that calls `send` with the events handed over to it."""

    def __init__(self, send: Callable[[Batch], object], *, name: str,
                 pace: float = 0.0) -> None:
        self.send, self.name = send, name
        self.pace = pace  # seconds from one round's start to the next's, at least
        self._start = threading.Lock()
        # A forked child (a worker's pool child) must not inherit the lock held by a thread
        # of its parent: it would wait for it for good.
        on_fork(child=self._forked)
        self._relaying: tuple[int, queue.SimpleQueue[Batch | None]] | None = None

    def hand_over(self, envelopes: Batch) -> None:
        """Give just-committed events to the thread, and return at once.

        The thread sends whatever has gathered meanwhile (at most RELAY_BATCH events). It
        starts on first use (again in a forked child, which inherits no threads) and is given
        RELAY_EXIT_WAIT to finish when the process exits; what a killed process had not sent,
        the outbox's sweep sends after its grace period.
        """
        with self._start:
            if self._relaying is None or self._relaying[0] != os.getpid():
                waiting: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
                thread = threading.Thread(target=self._loop, args=(waiting,), name=self.name,
                                          daemon=True)
                thread.start()
                atexit.register(self._finish, waiting, thread)
                self._relaying = (os.getpid(), waiting)
        self._relaying[1].put(envelopes)

    def _forked(self) -> None:
        self._start = threading.Lock()

    def _loop(self, waiting: "queue.SimpleQueue[Batch | None]") -> None:
        finished, last = False, -self.pace
        while not finished:
            batch = waiting.get()
            if batch is None:
                return
            if (pause := last + self.pace - time.monotonic()) > 0:
                time.sleep(pause)  # what comes meanwhile goes in this round
            last = time.monotonic()
            while len(batch) < RELAY_BATCH and not waiting.empty():
                more = waiting.get_nowait()
                if more is None:
                    finished = True
                    break
                batch = batch + more
            try:
                self.send(batch)
            except Exception:  # the database refused the mark: the sweep resends them
                log.exception("outbox: relaying %d events failed", len(batch))

    @staticmethod
    def _finish(waiting: "queue.SimpleQueue[Batch | None]", thread: threading.Thread) -> None:
        waiting.put(None)
        thread.join(timeout=RELAY_EXIT_WAIT)
