"""Rate limits kept in Redis, so every API replica counts against the same window."""

from typing import NamedTuple

import redis

from shared.errors import TooMany


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
        Retry-After) if any of them is now over."""
        if self._client is None:
            self._client = redis.Redis.from_url(self.redis_url)
        pipe = self._client.pipeline(transaction=False)
        for limit in limits:
            name = f"{self.prefix}:{limit.key}"
            pipe.set(name, 0, ex=self.window, nx=True)  # the window starts with the first hit
            pipe.incr(name)
            pipe.ttl(name)
        replies = pipe.execute()
        for index, limit in enumerate(limits):
            hits, ttl = replies[3 * index + 1], replies[3 * index + 2]
            if int(hits) > limit.most:
                retry_after = max(1, int(ttl))
                raise TooMany(f"too many comments {limit.what}: at most {limit.most} in "
                              f"{self.window} seconds; try again in {retry_after} seconds",
                              headers={"Retry-After": str(retry_after)})
