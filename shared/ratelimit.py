"""Rate limits kept in Redis, so every API replica counts against the same window."""

import redis

from shared.errors import TooMany


class RateLimiter:
    """Fixed windows: at most `limit` hits per key per `window` seconds."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        self.redis_url, self.prefix = redis_url, prefix
        self._client: redis.Redis | None = None

    def check(self, key: str, *, limit: int, window: int, what: str) -> None:
        """Count one hit on `key`; TooMany (429, Retry-After) once it is over `limit`."""
        if self._client is None:
            self._client = redis.Redis.from_url(self.redis_url)
        name = f"{self.prefix}:{key}"
        pipe = self._client.pipeline()
        pipe.set(name, 0, ex=window, nx=True)  # the window starts with the first hit
        pipe.incr(name)
        pipe.ttl(name)
        _, hits, ttl = pipe.execute()
        if int(hits) > limit:
            retry_after = max(1, int(ttl))
            raise TooMany(f"too many comments {what}: at most {limit} in {window} seconds; "
                          f"try again in {retry_after} seconds",
                          headers={"Retry-After": str(retry_after)})
