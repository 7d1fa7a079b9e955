"""What keeps a worker consuming whatever its queue holds and whatever its Redis does: a Redis
transport that hands a message it cannot read to the dead letters instead of dying on it, and
a Celery consumer that does the same with messages that are not tasks of this service.

Wired by `make_celery` (`broker_transport`, `worker_consumer`); the dead-letter callback of
each service is registered by `register_event_task` under its queue's name (and by a worker
of another of its queues, such as feeds' WebSub pinger, under that queue's).
"""

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from queue import Empty
from typing import Any

from celery.worker.consumer import Consumer
from kombu.transport import redis as kombu_redis
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import loads

log = logging.getLogger(__name__)

# Queue name → how the service that owns it keeps a message it cannot handle:
# callback(envelope, reason). The envelope carries the message as it was (`raw_message`) and
# its queue, so `replay-dead-letters` can put it back there once a worker can read it.
DeadLetter = Callable[[dict[str, Any], str], None]
DEAD_LETTERS: dict[str, DeadLetter] = {}


def undeliverable(queue: str, raw: str, kind: str, reason: str, message_id: str = "?") -> None:
    """Keep a message no worker of `queue` can handle in that service's dead letters (or,
    for a queue nobody here owns, say so in the log: it is gone from the queue already)."""
    envelope = {"id": message_id, "type": kind[:64], "raw_message": raw, "queue": queue}
    bury = DEAD_LETTERS.get(queue)
    if bury is None:
        log.error("dropped a message from queue %s (%s): %s: %.200r", queue, kind, reason, raw)
        return
    try:
        bury(envelope, reason)
    except Exception:  # the database is away too: the log line is all that is left
        log.exception("could not keep a message from queue %s (%s) in the dead letters: "
                      "%.200r", queue, kind, raw)


class QoS(kombu_redis.QoS):
    def restore_unacked(self, client: Any = None) -> None:
        # Handing held messages back needs Redis; when it is away, they stay in its unacked
        # set and come back from there (after the visibility timeout). Never end the worker.
        try:
            super().restore_unacked(client)
        except Exception as exc:
            log.warning("could not hand back %d held messages now (%s); Redis keeps them "
                        "and redelivers them later", len(self._delivered), exc)
            self._delivered.clear()


class Channel(kombu_redis.Channel):
    """kombu's Redis channel, with two of its failures turned into something survivable, and
    one client kept for its pool."""

    QoS = QoS
    _last_connparams: dict[bool, dict[str, Any]] | None = None
    _kept_client: tuple[Any, Any] | None = None  # (the pool, a client of it)

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        # kombu makes a new client for every message sent and every ack: redis-py's
        # constructor copies its reply callbacks, which costs as much CPU as the round trip.
        # A client is thread-safe and holds no connection (each command takes one from the
        # pool), so one serves the channel for as long as its pool does.
        if client:
            yield client
            return
        pool = self.pool
        if self._kept_client is None or self._kept_client[0] is not pool:
            self._kept_client = (pool, self._create_client())
        yield self._kept_client[1]

    def _brpop_read(self, **options: Any) -> bool:
        # kombu's own, except that an item that is not a kombu message (not JSON, or JSON of
        # another shape) goes to the dead letters: kombu would raise out of the worker's
        # event loop and end the worker (JSONDecodeError, KeyError).
        try:
            try:
                dest__item = self.client.parse_response(self.client.connection, "BRPOP",
                                                        **options)
            except self.connection_errors:
                self.client.connection.disconnect()
                raise
            if not dest__item:
                raise Empty()
            dest, item = dest__item
            dest = bytes_to_str(dest).rsplit(self.sep, 1)[0]
            self._queue_cycle.rotate(dest)
            text = bytes_to_str(item)
            try:
                payload = loads(text)
                self.Message(payload, channel=self)  # what kombu makes of it, or raises
            except Exception as exc:
                undeliverable(dest, text, "message.undecodable",
                              f"not a message: {type(exc).__name__}: {exc}")
                return True
            self.connection._deliver(payload, dest)
            return True
        finally:
            self._in_poll = None  # type: ignore[assignment]
            self._flush_brpop_reauth()

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        # After a lost connection Celery may close the transport (its `client` becomes None)
        # before a channel hands back the messages it held; kombu then fails with
        # "'NoneType' object has no attribute 'hostname'" and the worker exits. The server
        # has not changed: use the parameters of the last connection.
        known = self._last_connparams or {}
        if self.connection.client is None and asynchronous in known:
            return dict(known[asynchronous])
        params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)
        self._last_connparams = known | {asynchronous: dict(params)}
        return params


class Transport(kombu_redis.Transport):
    """`broker_transport` of every service: kombu's Redis transport with the channel above."""

    Channel = Channel


class BurgConsumer(Consumer):
    """Celery's consumer, keeping messages that are not this service's tasks (no task header,
    an undecodable body, an unknown task name, an invalid task) in the dead letters before
    it drops them as Celery does."""

    def _keep(self, message: Any, kind: str, reason: str) -> None:
        queue = self._queue_of(message)
        raw = getattr(message, "_raw", None)
        text = json.dumps(raw) if raw is not None else repr(getattr(message, "body", None))
        headers = message.headers if isinstance(message.headers, dict) else {}
        undeliverable(queue, text, kind, reason, str(headers.get("id", "?")))

    def _queue_of(self, message: Any) -> str:
        """The queue `message` came from: the one this worker consumes, or, consuming
        several, the one its routing key names (each queue's key is its own name)."""
        consumed = list(self.app.amqp.queues.consume_from or self.app.amqp.queues)
        info = getattr(message, "delivery_info", None)
        key = info.get("routing_key") if isinstance(info, dict) else None
        if key in consumed:
            return str(key)
        return consumed[0] if len(consumed) == 1 else str(self.app.main)

    def on_unknown_message(self, body: Any, message: Any) -> None:
        self._keep(message, "message.not-a-task", "not a Celery task message")
        super().on_unknown_message(body, message)

    def on_unknown_task(self, body: Any, message: Any, exc: Exception) -> None:
        headers = message.headers if isinstance(message.headers, dict) else {}
        name = str(headers.get("task", "?"))
        self._keep(message, f"task.unknown:{name}", f"no task named {name!r} here")
        super().on_unknown_task(body, message, exc)

    def on_invalid_task(self, body: Any, message: Any, exc: Exception) -> None:
        self._keep(message, "task.invalid", f"{type(exc).__name__}: {exc}")
        super().on_invalid_task(body, message, exc)

    def on_decode_error(self, message: Any, exc: Exception) -> None:
        self._keep(message, "message.undecodable", f"{type(exc).__name__}: {exc}")
        super().on_decode_error(message, exc)
