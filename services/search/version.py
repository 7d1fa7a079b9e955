"""The index's version: a number in Redis raised after every commit that changes the index
(an event handled, a rebuild), so that the API's kept result pages (pages.py) are known to
be current without asking the index.

Raised *after* the commit: a page searched before the raise is kept under the old number
and goes at the next read, whether it saw the change or not. Read at most once per
`fresh_for` seconds (BURG_SEARCH_FRESH_SECONDS): a change is in every search at most that
long after its commit."""

import logging
import threading
import time
from collections.abc import Callable

import redis
from sqlalchemy import event
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from services.search.settings import SearchSettings
from shared.embedded_redis import redis_url

log = logging.getLogger(__name__)
KEY = "burg:search:index-version"
_PENDING = "search_version_raise"  # in session.info: the version to raise at the commit


class IndexVersion:
    """The version of the index, read and raised through Redis."""

    def __init__(self, client: redis.Redis, *, fresh_for: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client, self.fresh_for, self.clock = client, fresh_for, clock
        self._lock = threading.Lock()
        self._read_at = -float("inf")
        self._seen: int | None = None

    @classmethod
    def of(cls, settings: SearchSettings) -> "IndexVersion":
        """The version in the Redis of `settings`."""
        client = redis.Redis.from_url(redis_url(settings.redis_url, settings.data_dir),
                                      socket_connect_timeout=2, socket_timeout=2)
        return cls(client, fresh_for=settings.fresh_seconds)

    def current(self) -> int | None:
        """The version as read at most `fresh_for` seconds ago; None if Redis cannot say
        (then nothing is kept: every search asks the index)."""
        with self._lock:
            now = self.clock()
            if now - self._read_at <= self.fresh_for and self.fresh_for > 0:
                return self._seen
            try:
                self._seen = int(self.client.get(KEY) or 0)
            except (redis.RedisError, OSError, ValueError) as exc:
                log.warning("search: index version unreadable, not keeping pages: %s", exc)
                self._seen = None
            self._read_at = now
            return self._seen

    def raise_(self) -> None:
        """A commit changed the index: every kept page is out of date."""
        try:
            self.client.incr(KEY)
        except (redis.RedisError, OSError) as exc:
            # The change is committed: pages kept before it stay until the next raise.
            log.error("search: index version not raised: %s", exc)

    def raise_after_commit(self, session: Session) -> None:
        """Raise the version when `session` next commits (once, however many changes it
        holds; not at all if it rolls back)."""
        session.info[_PENDING] = self


# On the Session class, once, rather than on each session that raises (registering two
# listeners on every message's session cost more than the rest of its commit).
@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    version = session.info.pop(_PENDING, None)
    if version is not None:
        version.raise_()


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(_PENDING, None)
