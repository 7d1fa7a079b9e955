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

from celery import Celery, bootsteps

from services.notify.delivery import Deliveries

log = logging.getLogger(__name__)


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

    def start(self) -> None:
        """Start the sending threads."""
        self.stopping.clear()
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

    def stop(self, timeout: float) -> None:
        """Start no new send; wait up to `timeout` seconds for those under way to end."""
        self.stopping.set()
        self.woken.set()
        for thread in self.threads:
            thread.join(timeout=timeout)

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
        under way finish (up to `stop_timeout` seconds)."""
        sender = self

        class SendingThreads(bootsteps.StartStopStep):
            def start(self, worker: object) -> None:
                sender.start()

            def stop(self, worker: object) -> None:
                sender.stop(stop_timeout)

        app.steps["worker"].add(SendingThreads)
