"""Celery task messages written straight onto their queues' Redis lists: every message of a
relay round in one pipeline, one round trip.

`Celery.send_task` cost about 430 µs of CPU a message (its router, a producer from the pool,
kombu's declarations, retry wrapper and envelope), ten times the LPUSH it ends in, and each
message took a round trip of its own: a relay round of one comment sent two. The message here
is the one they write: Celery's own protocol-2 task message (`amqp.create_task_message`) in
kombu's Redis envelope for a queue of the default exchange (what Celery uses for a direct
queue named by `queue=`), at priority 0; tests/shared/test_messages.py holds the two to the
same bytes but for ids and times.
"""

import base64
import uuid
from typing import Any

import redis
from celery import Celery
from kombu.utils.json import dumps
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

# As the outbox's send_task asked kombu: a blip of Redis is retried twice, briefly; then the
# caller leaves the events to the sweep.
RETRIES = 2


class TaskMessages:
    """Task messages of `celery`'s app, sent to the broker's Redis."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery
        self._client: redis.Redis | None = None

    def message(self, name: str, argument: Any, queue: str, *, shown: str,
                headers: dict[str, Any]) -> tuple[str, str]:
        """The task `name(argument)` for `queue`, as (queue, message): `shown` is what Celery
        shows of its arguments, `headers` are added to the task's."""
        task_id = str(uuid.uuid4())
        task_headers, properties, body, _ = self.celery.amqp.create_task_message(
            task_id, name, [argument], {}, reply_to=self.celery.thread_oid,
            argsrepr=shown, kwargsrepr="{}", ignore_result=None)
        envelope = {
            "body": base64.b64encode(dumps(body).encode()).decode(),
            "content-encoding": "utf-8", "content-type": "application/json",
            "headers": task_headers | headers,
            "properties": properties | {
                "argsrepr": shown, "kwargsrepr": "{}", "delivery_mode": 2,
                "delivery_info": {"exchange": "", "routing_key": queue}, "priority": 0,
                "body_encoding": "base64", "delivery_tag": str(uuid.uuid4())}}
        return queue, dumps(envelope)

    def send(self, messages: list[tuple[str, str]]) -> None:
        """Push each (queue, message) onto its queue, all in one round trip (kombu pushes
        left and its consumers pop right). Raises redis.RedisError if Redis stayed away: some
        of them may have been pushed all the same."""
        pipe = self.client().pipeline(transaction=False)
        for queue, message in messages:
            pipe.lpush(queue, message)
        pipe.execute()

    def client(self) -> redis.Redis:
        if self._client is None:  # made lazily: after the fork, in a pool child
            self._client = redis.Redis.from_url(
                self.celery.conf.broker_url, socket_connect_timeout=5, socket_timeout=5,
                retry=Retry(ExponentialBackoff(cap=0.4, base=0.1), RETRIES))
        return self._client
