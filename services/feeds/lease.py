"""The render lock as a short lease: it lives a few seconds in Redis unless renewed, and a
thread of the process holding it renews it while the round runs, however long one document
takes. A worker killed mid-render stops renewing, so its lease runs out in seconds instead
of keeping every feed unchanged for minutes."""

import logging
import threading

import redis
from redis.exceptions import LockError

log = logging.getLogger(__name__)


class Lease:
    """A Redis lock of `seconds` renewed every `renew_every` seconds while held."""

    def __init__(self, client: redis.Redis, name: str, *, seconds: float,
                 renew_every: float) -> None:
        # Not thread-local: the renewing thread must know the token the round's thread took.
        self.lock = client.lock(name, timeout=seconds, thread_local=False)
        self.renew_every = renew_every
        self._lost = threading.Event()
        self._done = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self, wait: float = 0) -> bool:
        """Take the lease (waiting up to `wait` seconds for it) and keep renewing it."""
        if not self.lock.acquire(blocking=wait > 0, blocking_timeout=wait or None):
            return False
        self._renewer = threading.Thread(target=self._renew, name="burg-feeds-render-lease",
                                         daemon=True)
        self._renewer.start()
        return True

    @property
    def held(self) -> bool:
        """False once a renewal found the lease gone (it ran out while this process was
        paused longer than it, or Redis lost it): another round may hold it now."""
        return not self._lost.is_set()

    def release(self) -> None:
        """Stop renewing and give the lease back, if it is still ours."""
        self._done.set()
        if self._renewer is not None:
            self._renewer.join()
        try:
            self.lock.release()
        except LockError:  # it ran out meanwhile: not ours to free any more
            pass

    def _renew(self) -> None:
        while not self._done.wait(self.renew_every):
            try:
                self.lock.reacquire()  # back to the full lease from now
            except LockError:
                log.warning("feeds: the render lease ran out while rendering")
                self._lost.set()
                return
            except redis.RedisError as exc:  # a blip: the lease outlives a few missed renewals
                log.warning("feeds: could not renew the render lease: %s", exc)
