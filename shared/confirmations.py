"""Confirmations: how a producer learns that each consumer has taken each of its events.

The broker alone cannot be trusted with that: kombu's Redis transport takes a message off
its queue (BRPOP) before it records it as unacknowledged, and a worker killed between the two
loses it for good. So a consumer confirms each event once it is in its database (handled, or
found handled before) or in its dead letters, or says until when a retry will keep it; the
producer's sweep reads the confirmations and sends again what nobody confirmed
(`shared/redelivery.py`). A confirmation is a short-lived key in the broker's Redis: one that
is lost only costs a copy, which the consumer's inbox drops.
"""

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import redis

log = logging.getLogger(__name__)

DONE = "done"
KEPT = 3600  # seconds a confirmation waits for its producer's sweep (which deletes it)
# The header each sent event carries: when it was sent (seconds since the epoch), so that a
# producer can tell whether a consumer's queue may still hold it (see `oldest_waiting`).
SENT_AT = "burg_sent_at"

Pair = tuple[str, str]  # (event id, consuming service)


class Confirmations:
    """Both ends of the confirmations, on the broker's Redis."""

    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url
        self._client: redis.Redis | None = None

    def confirm(self, envelope: Mapping[str, Any], consumer: str,
                retrying_until: float | None = None) -> None:
        """Consumer side: `consumer` has `envelope`'s event for good, or (with
        `retrying_until`, seconds since the epoch) keeps it in a retry until then.

        A failure is only logged: the producer then sends the event again, and the inbox
        drops that copy.
        """
        self.confirm_all([envelope], consumer, retrying_until)

    def confirm_all(self, envelopes: Iterable[Mapping[str, Any]], consumer: str,
                    retrying_until: float | None = None) -> None:
        """`confirm` each of `envelopes`, in one round trip to Redis."""
        state = DONE if retrying_until is None else f"retry {retrying_until:.0f}"
        pipe = self.client().pipeline(transaction=False)
        ids = []
        for envelope in envelopes:
            ids.append(envelope.get("id"))
            pipe.set(_key(str(envelope.get("producer")), (str(envelope.get("id")), consumer)),
                     state, ex=KEPT)
        if not ids:
            return
        try:
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("could not confirm events %s to their producers (%s); they will "
                        "come again", ", ".join(map(str, ids[:5])), exc)

    def read(self, producer: str, pairs: list[Pair]) -> dict[Pair, str]:
        """Producer side: the confirmation of each (event, consumer) pair that has one."""
        if not pairs:
            return {}
        values = self.client().mget([_key(producer, pair) for pair in pairs])
        return {pair: value.decode() if isinstance(value, bytes) else value
                for pair, value in zip(pairs, values, strict=True) if value is not None}

    def forget(self, producer: str, pairs: Iterable[Pair]) -> None:
        """Producer side: delete confirmations recorded in the producer's database."""
        keys = [_key(producer, pair) for pair in pairs]
        if keys:
            self.client().delete(*keys)

    def oldest_waiting(self, queue: str) -> float | None:
        """When the message at the head of `queue` was sent (0.0 if that is unknown); None
        when the queue is empty. An event sent before that time may still be waiting."""
        raw = self.client().lindex(queue, -1)
        if raw is None:
            return None
        try:
            return float(json.loads(raw)["headers"][SENT_AT])
        except (ValueError, KeyError, TypeError):  # a retry, a replay, garbage: no time
            return 0.0

    def client(self) -> redis.Redis:
        """This process's client of the broker's Redis (the delivery counter's too)."""
        if self._client is None:  # made lazily: after the fork, in a pool child
            self._client = redis.Redis.from_url(self.broker_url, socket_connect_timeout=2,
                                                socket_timeout=5)
        return self._client


def retry_deadline(state: str) -> float | None:
    """The time until which a "retry" confirmation holds; None for any other state."""
    kind, _, until = state.partition(" ")
    return float(until) if kind == "retry" and until else None


def _key(producer: str, pair: Pair) -> str:
    event_id, consumer = pair
    return f"burg:confirmed:{producer}:{consumer}:{event_id}"
