"""notify's sender: threads of the worker's main process that send the e-mails that are due.

Celery tasks only store deliveries (in the transaction of the event that caused them); these
threads claim them from the database and send them. So nothing about the broker or the task
pool can stop a send halfway: a lost Redis connection (which may cancel running tasks), a
redelivered task or a killed pool child never touch an SMTP conversation. A slow SMTP server
holds one thread (for at most `smtp_total_seconds`), never the others or the worker's periodic
duties. Several workers may run: each delivery is claimed by one of them at a time.
"""

import logging
import threading
import time
from collections import deque

from celery import Celery, bootsteps
from celery.signals import worker_shutting_down

from services.notify.delivery import Claimed, Deliveries
from services.notify.handover import Handed, Handover
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
    """`threads` threads sending due e-mails, each on an SMTP connection it keeps. A thread
    with nothing to send claims, in one transaction, up to one due e-mail per thread: its own,
    and the rest for the next threads free (any of them, so none waits behind a slow one; one
    that waited so long that its lease might run out mid-send is given back instead). When
    none is due it looks again every `poll_seconds`, or at once when woken: a commit that
    queued e-mail, in this process or one forked from it (a worker's pool child), claimed it
    for the threads and hands the claims over, or wakes them (`handover.py`). Then a thread
    takes the claimed e-mails with a read, and looks for due ones (a write) only when
    nothing was handed over or `poll_seconds` have passed since it last looked."""

    def __init__(self, deliveries: Deliveries, *, threads: int, poll_seconds: float) -> None:
        self.deliveries, self.poll_seconds = deliveries, poll_seconds
        self.count = max(1, threads)
        settings = deliveries.settings
        # How long a claimed e-mail may wait for a thread: its whole send still fits its lease.
        self.fresh_for = (settings.lease_seconds - settings.smtp_total_seconds
                          - RECORD_SECONDS)
        self.ready: deque[tuple[Claimed, float]] = deque()  # claimed (when), for any thread
        self.turn = threading.Condition()
        self.claiming = False  # one thread claims (or waits for a wake-up) at a time
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.stopping_since: float | None = None
        self.handover = Handover()  # made before the worker forks its pool
        self.looked = 0.0  # when a thread last looked for due e-mails (monotonic)

    def start(self) -> None:
        """Start the sending threads."""
        self.stopping.clear()
        self.stopping_since = None
        self.handover.open(True)
        self.threads = [threading.Thread(target=self._loop, name=f"burg-send-{n}", daemon=True)
                        for n in range(self.count)]
        for thread in self.threads:
            thread.start()

    def wake(self) -> None:
        """Look for due e-mails now rather than at the next poll: from this process or one
        forked from it."""
        self.handover.send([])

    def takes_hand_overs(self) -> bool:
        """Whether the sending threads run, in this process or the one it was forked from,
        and take e-mails claimed for them as they are stored."""
        return self.handover.is_open()

    def hand_over(self, stored: list[tuple[str, str | None]]) -> None:
        """Hand the e-mails a commit stored to the threads: those claimed for them (key,
        claim), and a wake-up for the rest. What does not fit is given back at once, for any
        sender (a transaction of its own: the commit has ended)."""
        handed = [(key, claim) for key, claim in stored if claim is not None]
        if left := self.handover.send(handed, wake=len(handed) < len(stored)):
            self._give_back_handed(left)

    def stop_starting(self) -> None:
        """Start no new send (those under way go on)."""
        if self.stopping_since is None:
            self.stopping_since = time.monotonic()
        self.handover.open(False)
        self.stopping.set()
        self.wake()
        with self.turn:
            self.turn.notify_all()

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
        with self.turn:
            unsent, self.ready = [claimed for claimed, _ in self.ready], deque()
        self._give_back(unsent)
        if not self.claiming:  # else a thread still alive reads the pipe: leases run out
            self._give_back_handed(self.handover.receive()[0])

    def _loop(self) -> None:
        connection = self.deliveries.connection()
        try:
            while not self.stopping.is_set():
                claimed = self._next()
                if claimed is None:
                    connection.close_if_idle()
                elif self.stopping.is_set():  # claimed as the shutdown began: given back
                    self._give_back([claimed])
                else:
                    self.deliveries.send_claimed(claimed, connection.send)  # never raises
        finally:
            connection.close()

    def _next(self) -> Claimed | None:
        """A claimed e-mail for this thread, or None after a while without one."""
        stale: list[Claimed] = []
        try:
            with self.turn:
                waited = False
                while True:
                    while self.ready:
                        first, at = self.ready.popleft()
                        if time.monotonic() - at <= self.fresh_for:
                            return first
                        stale.append(first)  # rare: every thread was held that long
                    if waited or self.stopping.is_set():
                        return None
                    if not self.claiming:
                        self.claiming = True
                        break
                    self.turn.wait(self.poll_seconds)  # for the claimer
                    waited = True
        finally:
            self._give_back(stale)
        claimed: list[Claimed] = []
        try:
            claimed = self._claim()
        finally:
            with self.turn:
                self.claiming = False
                now = time.monotonic()
                self.ready.extend((other, now) for other in claimed[1:])
                self.turn.notify_all()
        return claimed[0] if claimed else None

    def _claim(self) -> list[Claimed]:
        """Take what was handed over, and claim up to one due e-mail per thread when woken
        for it or `poll_seconds` after the last look; wait for either up to `poll_seconds`."""
        started = time.monotonic()
        while True:
            handed, woken = self.handover.receive()  # what was announced so far: seen below
            try:
                claimed = self.deliveries.take_handed(handed) if handed else []
            except Exception:  # the database, say: their leases run out, then they go
                log.exception("could not take %d e-mails handed over", len(handed))
                claimed = []
            if self.stopping.is_set():
                return claimed
            try:
                if woken or time.monotonic() - self.looked >= self.poll_seconds:
                    due = self.deliveries.claim_due(self.count)
                    # As many as asked for: there may be more, the next claimer looks at once.
                    self.looked = 0.0 if len(due) >= self.count else time.monotonic()
                    claimed += due
            except Exception:  # the database, say: look again after a pause
                log.exception("could not look for e-mails to send")
                self.stopping.wait(self.poll_seconds)
                return claimed
            if claimed or time.monotonic() - started >= self.poll_seconds:
                return claimed
            self.handover.wait(self.looked + self.poll_seconds - time.monotonic())

    def _give_back(self, claims: list[Claimed]) -> None:
        if claims:
            try:
                self.deliveries.release(claims)
            except Exception:  # their leases run out: sent after all, a little later
                log.exception("could not give back %d claimed e-mails", len(claims))

    def _give_back_handed(self, handed: list[Handed]) -> None:
        if handed:
            try:
                self.deliveries.give_back(handed)
            except Exception:  # their leases run out: sent after all, a little later
                log.exception("could not give back %d claimed e-mails", len(handed))

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
