"""notify's sender: threads of the worker's main process that send the e-mails that are due.

Celery tasks only store deliveries (in the transaction of the event that caused them); these
threads claim them from the database and send them. So nothing about the broker or the task
pool can stop a send halfway: a lost Redis connection (which may cancel running tasks), a
redelivered task or a killed pool child never touch an SMTP conversation. A slow SMTP server
holds one thread (for at most `smtp_total_seconds`), never the others or the worker's periodic
duties. Several workers may run: each delivery is claimed by one of them at a time.
"""

import logging
import os
import threading
import time

from celery import Celery, bootsteps
from celery.signals import worker_shutting_down

from services.notify.delivery import Deliveries
from services.notify.settings import NotifySettings

log = logging.getLogger(__name__)

# Seconds a thread may need after its SMTP conversation ended: recording the outcome.
RECORD_SECONDS = 5.0


def stop_budget(settings: NotifySettings) -> float:
    """Seconds the sending threads may take to stop: a conversation under way runs out within
    `smtp_total_seconds`, and its outcome is recorded. A container's grace period must
    cover it (tests/deploy checks that it does)."""
    return settings.smtp_total_seconds + RECORD_SECONDS


class Sender:
    """`threads` threads, each sending one due e-mail after another; idle, each looks again
    every `poll_seconds`, or at once when woken (an e-mail was queued in this process)."""

    def __init__(self, deliveries: Deliveries, *, threads: int, poll_seconds: float) -> None:
        self.deliveries, self.poll_seconds = deliveries, poll_seconds
        self.count = max(1, threads)
        self.busy: set[str] = set()  # keys this process's threads are sending
        self.lock = threading.Lock()
        self.woken = threading.Event()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.pid: int | None = None  # the process the threads run in
        self.stopping_since: float | None = None

    def start(self) -> None:
        """Start the sending threads."""
        self.stopping.clear()
        self.stopping_since = None
        self.pid = os.getpid()
        self.threads = [threading.Thread(target=self._loop, name=f"burg-send-{n}", daemon=True)
                        for n in range(self.count)]
        for thread in self.threads:
            thread.start()

    def wake(self) -> None:
        """Look for due e-mails now rather than at the next poll. A no-op in any other process
        (a pool child forked from the worker must not touch locks copied mid-use)."""
        if self.pid == os.getpid():
            self.woken.set()

    def stop_starting(self) -> None:
        """Start no new send (those under way go on)."""
        if self.stopping_since is None:
            self.stopping_since = time.monotonic()
        self.stopping.set()
        self.woken.set()

    def stop(self, timeout: float) -> None:
        """Start no new send; wait for those under way to end, until `timeout` seconds after
        the sending stopped starting (all threads together, not each)."""
        self.stop_starting()
        assert self.stopping_since is not None
        ends = self.stopping_since + timeout
        for thread in self.threads:
            thread.join(timeout=max(0.0, ends - time.monotonic()))
        if alive := sum(thread.is_alive() for thread in self.threads):
            # Their e-mails' leases run out and they are sent again, same Message-ID.
            log.warning("stopped with %d e-mails still being sent", alive)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                key = self._take()
            except Exception:  # the database, say: look again after a pause
                log.exception("could not look for e-mails to send")
                key = None
            if key is None:
                self.woken.wait(self.poll_seconds)
                self.woken.clear()
                continue
            try:
                self.deliveries.deliver(key)  # never raises
            finally:
                with self.lock:
                    self.busy.discard(key)

    def _take(self) -> str | None:
        """A due key no thread of ours is sending (the claim settles races with others)."""
        with self.lock:
            for key in self.deliveries.due_keys(len(self.busy) + 1):
                if key not in self.busy:
                    self.busy.add(key)
                    return key
        return None

    def run_in_worker(self, app: Celery, stop_timeout: float) -> None:
        """Run in each worker's main process: started with it; a warm shutdown lets the sends
        under way finish (up to `stop_timeout` seconds from its start)."""
        sender = self
        # Sent as the warm shutdown begins, before the pool waits for the tasks in hand: the
        # sends end meanwhile, and the two waits overlap instead of adding up.
        worker_shutting_down.connect(lambda **_: sender.stop_starting(), weak=False)

        class SendingThreads(bootsteps.StartStopStep):
            def start(self, worker: object) -> None:
                sender.start()

            def stop(self, worker: object) -> None:
                sender.stop(stop_timeout)

        app.steps["worker"].add(SendingThreads)
