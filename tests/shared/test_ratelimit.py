"""Rate limits while Redis is away: requests pass (fail open), and the log says so."""

import logging
from pathlib import Path

import pytest

from shared.embedded_redis import EmbeddedRedis
from shared.errors import TooMany
from shared.ratelimit import Limit, RateLimiter


def test_limits_count_and_fail_open_while_redis_is_away(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    redis = EmbeddedRedis(tmp_path / "redis").start()
    limiter = RateLimiter(redis.url, prefix="test", window=60)
    limit = Limit("ip:192.0.2.1", 1, "from your address")
    try:
        limiter.check(limit)
        with pytest.raises(TooMany):
            limiter.check(limit)
        redis.stop()
        with caplog.at_level(logging.WARNING, logger="shared.ratelimit"):
            limiter.check(limit)  # not counted: no TooMany, and no other error either
        assert "not counted" in caplog.text
    finally:
        redis.stop()
