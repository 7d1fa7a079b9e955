"""Rate limits kept in Redis, so every API replica counts against the same window.

While Redis cannot be reached the limits are not counted and requests pass (fail open, with
a warning in the log): an outage of the broker is seconds, during which refusing every
comment would hurt more readers than a few uncounted requests could.
"""

import logging
from typing import NamedTuple

import redis
from redis.commands.core import Script

from shared.errors import TooMany

log = logging.getLogger(__name__)


class Limit(NamedTuple):
    """At most `most` hits on `key` per window; `what` names the sender in the 429."""

    key: str
    most: int
    what: str


# Each key's hits in this window and the seconds the window has left, counted in one call:
# one command to send and one reply to read, where separate SET, INCR and TTL commands per
# key were three of each. A key without an expiry (the window starts with its first hit) gets
# one; the script runs whole, so no key is ever left without.
_COUNT = """
local counts = {}
for _, key in ipairs(KEYS) do
  local hits = redis.call('INCR', key)
  local ttl = redis.call('TTL', key)
  if ttl < 0 then
    redis.call('EXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  counts[#counts + 1] = hits
  counts[#counts + 1] = ttl
end
return counts
"""


class RateLimiter:
    """Fixed windows of `window` seconds, counted per key; a 429 says "too many `noun`"."""

    def __init__(self, redis_url: str, prefix: str, window: int, noun: str = "comments"
                 ) -> None:
        self.redis_url, self.prefix, self.window = redis_url, prefix, window
        self.noun = noun
        self._count: Script | None = None

    def check(self, *limits: Limit) -> None:
        """Count one hit on each limit's key (one round trip to Redis); TooMany (429, with
        Retry-After) if any of them is now over. Passes, with a warning, while Redis is away."""
        if self._count is None:
            # Short timeouts: a Redis that hangs must not hold the request either.
            client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=1,
                                          socket_timeout=1)
            self._count = Script(client, _COUNT)
        try:
            keys = [f"{self.prefix}:{limit.key}" for limit in limits]
            replies: list[int] = self._count(keys=keys, args=[self.window])
        except redis.RedisError as exc:
            log.warning("rate limits %s not counted, request let through: Redis: %s",
                        self.prefix, exc)
            return
        for index, limit in enumerate(limits):
            hits, ttl = replies[2 * index], replies[2 * index + 1]
            if int(hits) > limit.most:
                retry_after = max(1, int(ttl))
                raise TooMany(f"too many {self.noun} {limit.what}: at most {limit.most} in "
                              f"{self.window} seconds; try again in {retry_after} seconds",
                              headers={"Retry-After": str(retry_after)})
