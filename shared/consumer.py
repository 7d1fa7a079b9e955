"""The Celery edge of a consuming service: the task `<service>.handle_event`, its retries,
its dead letters, and the cut-off for a message that keeps killing its worker."""

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import redis
from celery import Celery, Task
from celery.exceptions import Reject
from kombu.exceptions import OperationalError as BrokerError
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from shared.broker import DEAD_LETTERS
from shared.confirmations import Confirmations
from shared.inbox import Inbox, RetryLater
from shared.observability import EVENTS, REQUEST_ID

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
# Retries count as deliveries too; beyond this, a message is poison (it kills its worker
# child, which requeues it at once) and goes to the dead letters instead of looping.
MAX_DELIVERIES = MAX_RETRIES + 4
DELIVERY_COUNT_TTL = 24 * 3600


class EventTask(Task):
    """Base of every `<service>.handle_event` task: a final failure goes to the dead letters."""

    inbox: Inbox
    confirmations: Confirmations

    def on_failure(self, exc: Exception, task_id: str, args: tuple[Any, ...],
                   kwargs: dict[str, Any], einfo: Any) -> None:
        raw = args[0] if args and isinstance(args[0], Mapping) else {"envelope": repr(args)}
        self.bury(raw, f"{type(exc).__name__}: {exc}")
        EVENTS.labels(self.service, str(raw.get("type")), "failed").inc()

    def bury(self, raw: Mapping[str, Any], reason: str) -> None:
        """Keep the event in the dead letters, to replay, and confirm it to its producer:
        kept here, it wants no copy."""
        self.inbox.bury(raw, reason)
        self.confirmations.confirm(raw, self.service)

    @property
    def service(self) -> str:
        return self.name.split(".")[0]

    def retry(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().retry(*args, **kwargs)
        except Reject as rejected:
            # The retry is a message, and the broker is away for longer than the task waited:
            # Celery drops the event (rejects it unrequeued). Keep it in the dead letters, to
            # replay once Redis is back (the inbox drops a copy that came back anyway).
            raw = self.request.args[0] if self.request.args else None
            if isinstance(raw, Mapping):
                self.bury(raw, f"could not schedule its retry: {rejected.reason!r}")
            raise

    def on_retry(self, exc: Exception, task_id: str, args: tuple[Any, ...],
                 kwargs: dict[str, Any], einfo: Any) -> None:
        raw = args[0] if args and isinstance(args[0], Mapping) else {}
        log.warning("%s %s: will retry after %s: %s", raw.get("type"), raw.get("id"),
                    type(exc).__name__, exc)
        if raw:  # the retry keeps it for at most the longest countdown and one run
            longest = float(self.retry_backoff_max or 600) + (self.app.conf.task_time_limit or 300)
            self.confirmations.confirm(raw, self.service, retrying_until=time.time() + longest)


class DeliveryCounter:
    """Counts deliveries of each event to one service, in the broker's Redis."""

    def __init__(self, broker_url: str, service: str) -> None:
        self.broker_url, self.service = broker_url, service
        self._client: redis.Redis | None = None

    def count(self, event_id: str) -> int:
        """Count one more delivery of `event_id` and return how many there have been (0
        when Redis cannot count now: a broker blip is no reason to hold an event back)."""
        pipe = self._redis().pipeline()
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
        self._redis().delete(self._key(event_id))

    def _key(self, event_id: str) -> str:
        return f"burg:deliveries:{self.service}:{event_id}"

    def _redis(self) -> redis.Redis:
        if self._client is None:  # made lazily: after the fork, in the pool child
            self._client = redis.Redis.from_url(self.broker_url, socket_connect_timeout=2,
                                                socket_timeout=5)
        return self._client


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


def replay_dead_letters(celery: Celery, service: str, inbox: Inbox) -> int:
    """Send every dead letter not yet replayed back to the service's queue, with a fresh
    delivery count (else a once-poisonous event would be buried again at once); a message no
    worker could read goes back, as it was, to the queue it came from."""
    deliveries = DeliveryCounter(celery.conf.broker_url, service)
    queue = redis.Redis.from_url(celery.conf.broker_url)
    waiting = inbox.dead_letters_waiting()
    for row in waiting:
        envelope = inbox.dead_letter_envelope(row["id"])
        if "raw_message" in envelope:  # a message no worker could read: back as it was
            queue.lpush(envelope.get("queue") or service, envelope["raw_message"])
        else:
            deliveries.forget(row["event_id"])
            celery.send_task(f"{service}.handle_event", queue=service, args=[envelope])
        inbox.mark_replayed(row["id"])
    return len(waiting)


def register_event_task(celery: Celery, service: str, inbox: Inbox,
                        transient: tuple[type[Exception], ...] = ()) -> Task:
    """Define the task `<service>.handle_event` that feeds every event through `inbox`;
    besides TRANSIENT, the service's `transient` faults are retried too."""
    # Celery's own INFO lines for each task received and succeeded only repeat the line
    # below, and cost the worker (and whatever collects its logs) more than the event did;
    # its retries are logged by EventTask.on_retry, at WARNING.
    for chatty in ("celery.worker.strategy", "celery.app.trace"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    retry_ceiling = min(600, celery.conf.visibility_timeout // 4)  # far below the timeout
    deliveries = DeliveryCounter(celery.conf.broker_url, service)
    confirmations = Confirmations(celery.conf.broker_url)
    # Waiting out a blip stays far inside the task's soft time limit.
    blip_budget = (celery.conf.task_soft_time_limit or 240) / 4
    DEAD_LETTERS[service] = inbox.bury  # messages of its queue that are no task of ours

    @celery.task(name=f"{service}.handle_event", base=EventTask, inbox=inbox,
                 confirmations=confirmations, autoretry_for=(*TRANSIENT, *transient),
                 retry_backoff=2, retry_backoff_max=retry_ceiling, retry_jitter=True,
                 max_retries=MAX_RETRIES, throws=(ValidationError, KeyError))
    def handle_event(envelope: dict[str, Any]) -> None:
        """Apply one event once (the inbox keys on the event id), then confirm it to its
        producer; transient faults retry."""
        token = REQUEST_ID.set(str(envelope.get("request_id") or envelope.get("id")))
        kind = str(envelope.get("type"))
        try:
            delivered = deliveries.count(str(envelope.get("id")))
            if delivered > MAX_DELIVERIES:
                handle_event.bury(envelope, f"delivered {delivered} times without finishing: "
                                  "poison")
                EVENTS.labels(service, kind, "failed").inc()
                return
            handled = through_blips(lambda: inbox.handle(envelope), blip_budget)
            confirmations.confirm(envelope, service)
            EVENTS.labels(service, kind, "consumed" if handled else "skipped").inc()
            log.info("%s %s %s", kind, envelope.get("id"), "handled" if handled else "skipped")
        finally:
            REQUEST_ID.reset(token)

    return handle_event
