"""Under `make run` (the test stack), a client talking to the comments API directly is
counted at its own address, whatever X-Forwarded-For it sends: only BURG_TRUSTED_PROXIES'
header counts (the gateway's, tests/deploy/test_gateway.py)."""

import uuid

import redis

from tests.comments.helpers import open_article
from tests.conftest import Stack


def test_a_direct_client_cannot_choose_its_rate_limit_bucket(stack: Stack,
                                                            redis_url: str) -> None:
    # From 127.0.0.1, which uvicorn trusted by default: on a laptop, every client.
    article, client, forged = open_article(stack), "127.0.0.1", "198.51.100.200"
    with stack.client("comments") as direct:
        for header in (forged, f"{forged}, 127.0.0.1", "127.0.0.1"):
            posted = direct.post(f"/articles/{article}/comments",
                                 headers={"X-Forwarded-For": header},
                                 json={"nic": f"Direct {uuid.uuid4().hex[:6]}", "body": "Hi"})
            assert posted.status_code == 201, posted.text
    counted = redis.Redis.from_url(redis_url)
    assert counted.exists(f"burg:rate:comments:ip:{client}")
    assert not counted.exists(f"burg:rate:comments:ip:{forged}")
