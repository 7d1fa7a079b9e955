"""Rate limits kept in Redis, so every API replica counts against the same window.

While Redis cannot be reached the limits are not counted and requests pass (fail open, with
a warning in the log): an outage of the broker is seconds, during which refusing every
comment would hurt more readers than a few uncounted requests could.
"""

import logging
from typing import NamedTuple

import redis

from shared.errors import TooMany

log = logging.getLogger(__name__)


class Limit(NamedTuple):
    """At most `most` hits on `key` per window; `what` names the sender in the 429."""

    key: str
    most: int
    what: str


class RateLimiter:
    """Fixed windows of `window` seconds, counted per key."""

    def __init__(self, redis_url: str, prefix: str, window: int) -> None:
        self.redis_url, self.prefix, self.window = redis_url, prefix, window
        self._client: redis.Redis | None = None

    def check(self, *limits: Limit) -> None:
        """Count one hit on each limit's key (one round trip to Redis); TooMany (429, with
        Retry-After) if any of them is now over. Passes, with a warning, while Redis is away."""
        if self._client is None:
            # Short timeouts: a Redis that hangs must not hold the request either.
            self._client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=1,
                                                socket_timeout=1)
        pipe = self._client.pipeline(transaction=False)
        for limit in limits:
            name = f"{self.prefix}:{limit.key}"
            pipe.set(name, 0, ex=self.window, nx=True)  # the window starts with the first hit
            pipe.incr(name)
            pipe.ttl(name)
        try:
            replies = pipe.execute()
        except redis.RedisError as exc:
            log.warning("rate limits %s not counted, request let through: Redis: %s",
                        self.prefix, exc)
            return
        for index, limit in enumerate(limits):
            hits, ttl = replies[3 * index + 1], replies[3 * index + 2]
            if int(hits) > limit.most:
                retry_after = max(1, int(ttl))
                raise TooMany(f"too many comments {limit.what}: at most {limit.most} in "
                              f"{self.window} seconds; try again in {retry_after} seconds",
                              headers={"Retry-After": str(retry_after)})
