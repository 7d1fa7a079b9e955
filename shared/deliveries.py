"""What a consumer counts and waits out while it takes events: the faults that pass (and the
waits for a blip), and the count of deliveries that tells a poison message from a live one."""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError

from shared.confirmations import Confirmations
from shared.inbox import RetryLater

log = logging.getLogger(__name__)
T = TypeVar("T")

# A blip (Redis or the database restarting for a few seconds) is waited out in the task
# itself, these many seconds between tries, before Celery's retry: a retry is a message sent
# through the broker, which may be the very thing that is away.
BLIPS: tuple[type[Exception], ...] = (
    OperationalError, ConnectionError, TimeoutError, redis.ConnectionError, redis.TimeoutError,
    redis.BusyLoadingError, BrokerError,
)
# Faults that pass: the blips, and RetryLater (not waited out in the task: what it waits for
# may be queued behind it, on this very worker). A service adds its own (`transient`).
TRANSIENT: tuple[type[Exception], ...] = (RetryLater, *BLIPS)
BLIP_WAITS = (0.25, 0.5, 1.0, 2.0, 4.0)
MAX_RETRIES = 8
# Deliveries of one event, beyond which a message that keeps coming back is poison (it kills
# its worker child, which requeues it at once) and goes to the dead letters instead of looping.
MAX_DELIVERIES = MAX_RETRIES + 4
DELIVERY_COUNT_TTL = 24 * 3600


class DeliveryCounter:
    """Counts deliveries of each event to one service, in the broker's Redis (on the client
    of the service's confirmations: one connection per process for both)."""

    def __init__(self, confirmations: Confirmations, service: str) -> None:
        self.confirmations, self.service = confirmations, service

    def count(self, event_id: str) -> int:
        """Count one more delivery of `event_id` and return how many were counted (0 when
        Redis cannot count now: a broker blip is no reason to hold an event back)."""
        pipe = self.confirmations.client().pipeline(transaction=False)
        key = self._key(event_id)
        pipe.incr(key)
        pipe.expire(key, DELIVERY_COUNT_TTL)
        try:
            return int(pipe.execute()[0])
        except redis.RedisError as exc:
            log.warning("could not count a delivery of %s (%s); handling it anyway",
                        event_id, exc)
            return 0

    def forget(self, event_id: str) -> None:
        """Start counting `event_id`'s deliveries from zero again."""
        self.confirmations.client().delete(self._key(event_id))

    def _key(self, event_id: str) -> str:
        return f"burg:deliveries:{self.service}:{event_id}"


def through_blips(attempt: Callable[[], T], budget: float) -> T:
    """`attempt()`, tried again after each of BLIP_WAITS while Redis or the database is away,
    as long as the waits add up to at most `budget` seconds."""
    waited = 0.0
    for wait in BLIP_WAITS:
        if waited + wait > budget:
            break
        waited += wait
        try:
            return attempt()
        except BLIPS as exc:
            log.warning("transient failure, trying again in %.2fs: %s: %s", wait,
                        type(exc).__name__, exc)
            time.sleep(wait)
    return attempt()
