"""The Celery edge of a consuming service: the tasks `<service>.handle_event` (one event) and
`<service>.handle_events` (a batch, `shared/batches.py`), their retries, their dead letters,
and the cut-off for a message that keeps killing its worker."""

import logging
import time
from collections.abc import Mapping
from typing import Any

import redis
from celery import Celery, Task
from celery.exceptions import Reject
from pydantic import ValidationError

from shared.batches import register_batch_task, send_single
from shared.broker import DEAD_LETTERS
from shared.confirmations import Confirmations
from shared.deliveries import (
    MAX_DELIVERIES,
    MAX_RETRIES,
    TRANSIENT,
    DeliveryCounter,
    through_blips,
)
from shared.inbox import Inbox
from shared.observability import EVENTS, REQUEST_ID

log = logging.getLogger(__name__)
__all__ = ["MAX_DELIVERIES", "EventTask", "register_event_task", "replay_dead_letters"]


class EventTask(Task):
    """Base of a service's event tasks: a final failure goes to the dead letters (a batch's
    events go on one by one instead)."""

    inbox: Inbox
    confirmations: Confirmations

    def on_failure(self, exc: Exception, task_id: str, args: tuple[Any, ...],
                   kwargs: dict[str, Any], einfo: Any) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if args and isinstance(args[0], list):  # a batch: whichever event failed, alone
            for item in args[0]:
                envelope = item if isinstance(item, Mapping) else {"envelope": repr(item)}
                try:
                    send_single(self.app, self.service, envelope)
                except Exception:  # the broker is away too: keep them here, to replay
                    self.bury(envelope, reason)
            return
        raw = args[0] if args and isinstance(args[0], Mapping) else {"envelope": repr(args)}
        self.bury(raw, reason)
        EVENTS.labels(self.service, str(raw.get("type")), "failed").inc()

    def bury(self, raw: Mapping[str, Any], reason: str) -> None:
        """Keep the event in the dead letters, to replay, and confirm it to its producer:
        kept here, it wants no copy."""
        self.inbox.bury(raw, reason)
        self.confirmations.confirm(raw, self.service)

    @property
    def service(self) -> str:
        return self.name.split(".")[0]

    def longest_retry(self) -> float:
        """Seconds a retry keeps an event at most: the longest countdown and one run."""
        return float(self.retry_backoff_max or 600) + (self.app.conf.task_time_limit or 300)

    def retry(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().retry(*args, **kwargs)
        except Reject as rejected:
            # The retry is a message, and the broker is away for longer than the task waited:
            # Celery drops the event (rejects it unrequeued). Keep it in the dead letters, to
            # replay once Redis is back (the inbox drops a copy that came back anyway).
            retried = kwargs.get("args") or self.request.args or [None]
            raws = retried[0] if isinstance(retried[0], list) else [retried[0]]
            for raw in raws:
                if isinstance(raw, Mapping):
                    self.bury(raw, f"could not schedule its retry: {rejected.reason!r}")
            raise

    def on_retry(self, exc: Exception, task_id: str, args: tuple[Any, ...],
                 kwargs: dict[str, Any], einfo: Any) -> None:
        raw = args[0] if args and isinstance(args[0], Mapping) else {}
        if not raw:  # a batch: it said which of its events retry (`retry_later`)
            return
        log.warning("%s %s: will retry after %s: %s", raw.get("type"), raw.get("id"),
                    type(exc).__name__, exc)
        self.confirmations.confirm(raw, self.service,
                                   retrying_until=time.time() + self.longest_retry())


def replay_dead_letters(celery: Celery, service: str, inbox: Inbox) -> int:
    """Send every dead letter not yet replayed back to the service's queue, with a fresh
    delivery count (else a once-poisonous event would be buried again at once); a message no
    worker could read goes back, as it was, to the queue it came from."""
    deliveries = DeliveryCounter(Confirmations(celery.conf.broker_url), service)
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
    """Define the tasks `<service>.handle_event` and `<service>.handle_events` that feed
    events through `inbox`; besides TRANSIENT, the service's `transient` faults retry too."""
    # Celery's own INFO lines for each task received and succeeded only repeat the line
    # below, and cost the worker (and whatever collects its logs) more than the event did;
    # its retries are logged by EventTask.on_retry, at WARNING.
    for chatty in ("celery.worker.strategy", "celery.app.trace"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    retry_ceiling = min(600, celery.conf.visibility_timeout // 4)  # far below the timeout
    confirmations = Confirmations(celery.conf.broker_url)
    deliveries = DeliveryCounter(confirmations, service)  # one Redis client for both
    # Waiting out a blip stays far inside the task's soft time limit.
    blip_budget = (celery.conf.task_soft_time_limit or 240) / 4
    DEAD_LETTERS[service] = inbox.bury  # messages of its queue that are no task of ours
    options: dict[str, Any] = {
        "base": EventTask, "inbox": inbox, "confirmations": confirmations,
        "retry_backoff": 2, "retry_backoff_max": retry_ceiling, "retry_jitter": True,
        "max_retries": MAX_RETRIES}
    register_batch_task(celery, service, transient=transient, blip_budget=blip_budget,
                        **options)

    @celery.task(name=f"{service}.handle_event", autoretry_for=(*TRANSIENT, *transient),
                 throws=(ValidationError, KeyError), bind=True, **options)
    def handle_event(task: EventTask, envelope: dict[str, Any]) -> None:
        """Apply one event once (the inbox keys on the event id), then confirm it to its
        producer; transient faults retry. (A lone event, a copy sent again, a replay, a batch
        split up.)"""
        token = REQUEST_ID.set(str(envelope.get("request_id") or envelope.get("id")))
        kind = str(envelope.get("type"))
        try:
            # Only a message that came back (kombu marks it so when it restores it: its worker
            # died, or stopped holding it) may be poison: its deliveries are counted, the
            # first one included; a first delivery costs no round trip to Redis for it.
            delivered = 1
            if (task.request.delivery_info or {}).get("redelivered"):
                delivered = 1 + deliveries.count(str(envelope.get("id")))
            if delivered > MAX_DELIVERIES:
                task.bury(envelope, f"delivered {delivered} times without finishing: "
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
