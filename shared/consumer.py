"""The Celery edge of a consuming service: the task `<service>.handle_event`, its retries,
its dead letters, and the cut-off for a message that keeps killing its worker."""

import logging
import smtplib
from collections.abc import Mapping
from typing import Any

import redis
from celery import Celery, Task
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from shared.inbox import Inbox, RetryLater
from shared.observability import EVENTS, REQUEST_ID

log = logging.getLogger(__name__)

# Faults that pass: a locked or restarting database, an SMTP server that is away.
TRANSIENT: tuple[type[Exception], ...] = (
    RetryLater, OperationalError, ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
)
MAX_RETRIES = 8
# Retries count as deliveries too; beyond this, a message is poison (it kills its worker
# child, which requeues it at once) and goes to the dead letters instead of looping.
MAX_DELIVERIES = MAX_RETRIES + 4
DELIVERY_COUNT_TTL = 24 * 3600


class EventTask(Task):
    """Base of every `<service>.handle_event` task: a final failure goes to the dead letters."""

    inbox: Inbox

    def on_failure(self, exc: Exception, task_id: str, args: tuple[Any, ...],
                   kwargs: dict[str, Any], einfo: Any) -> None:
        raw = args[0] if args and isinstance(args[0], Mapping) else {"envelope": repr(args)}
        self.inbox.bury(raw, f"{type(exc).__name__}: {exc}")
        EVENTS.labels(self.name.split(".")[0], str(raw.get("type")), "failed").inc()

    def on_retry(self, exc: Exception, task_id: str, args: tuple[Any, ...],
                 kwargs: dict[str, Any], einfo: Any) -> None:
        raw = args[0] if args and isinstance(args[0], Mapping) else {}
        log.warning("%s %s: will retry after %s: %s", raw.get("type"), raw.get("id"),
                    type(exc).__name__, exc)


class DeliveryCounter:
    """Counts deliveries of each event to one service, in the broker's Redis."""

    def __init__(self, broker_url: str, service: str) -> None:
        self.broker_url, self.service = broker_url, service
        self._client: redis.Redis | None = None

    def count(self, event_id: str) -> int:
        """Count one more delivery of `event_id` and return how many there have been."""
        pipe = self._redis().pipeline()
        key = self._key(event_id)
        pipe.incr(key)
        pipe.expire(key, DELIVERY_COUNT_TTL)
        return int(pipe.execute()[0])

    def forget(self, event_id: str) -> None:
        """Start counting `event_id`'s deliveries from zero again."""
        self._redis().delete(self._key(event_id))

    def _key(self, event_id: str) -> str:
        return f"burg:deliveries:{self.service}:{event_id}"

    def _redis(self) -> redis.Redis:
        if self._client is None:  # made lazily: after the fork, in the pool child
            self._client = redis.Redis.from_url(self.broker_url)
        return self._client


def replay_dead_letters(celery: Celery, service: str, inbox: Inbox) -> int:
    """Send every dead letter not yet replayed back to the service's queue, with a fresh
    delivery count (else a once-poisonous event would be buried again at once)."""
    deliveries = DeliveryCounter(celery.conf.broker_url, service)
    waiting = inbox.dead_letters_waiting()
    for row in waiting:
        deliveries.forget(row["event_id"])
        celery.send_task(f"{service}.handle_event", queue=service,
                         args=[inbox.dead_letter_envelope(row["id"])])
        inbox.mark_replayed(row["id"])
    return len(waiting)


def register_event_task(celery: Celery, service: str, inbox: Inbox) -> Task:
    """Define the task `<service>.handle_event` that feeds every event through `inbox`."""
    # Celery's own INFO lines for each task received and succeeded only repeat the line
    # below, and cost the worker (and whatever collects its logs) more than the event did;
    # its retries are logged by EventTask.on_retry, at WARNING.
    for chatty in ("celery.worker.strategy", "celery.app.trace"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    retry_ceiling = min(600, celery.conf.visibility_timeout // 4)  # far below the timeout
    deliveries = DeliveryCounter(celery.conf.broker_url, service)

    @celery.task(name=f"{service}.handle_event", base=EventTask, inbox=inbox,
                 autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=retry_ceiling,
                 retry_jitter=True, max_retries=MAX_RETRIES, throws=(ValidationError, KeyError))
    def handle_event(envelope: dict[str, Any]) -> None:
        """Apply one event once (the inbox keys on the event id); transient faults retry."""
        token = REQUEST_ID.set(str(envelope.get("request_id") or envelope.get("id")))
        kind = str(envelope.get("type"))
        try:
            delivered = deliveries.count(str(envelope.get("id")))
            if delivered > MAX_DELIVERIES:
                inbox.bury(envelope, f"delivered {delivered} times without finishing: poison")
                EVENTS.labels(service, kind, "failed").inc()
                return
            handled = inbox.handle(envelope)
            EVENTS.labels(service, kind, "consumed" if handled else "skipped").inc()
            log.info("%s %s %s", kind, envelope.get("id"), "handled" if handled else "skipped")
        finally:
            REQUEST_ID.reset(token)

    return handle_event
