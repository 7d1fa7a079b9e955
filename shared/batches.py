"""The task `<service>.handle_events`: a batch of events in one broker message, applied in one
transaction with one inbox statement and confirmed in one round trip to Redis, where one task
per event would spend more on the task than on the event.

A batch that fails falls back to its events one by one, so that one poison event does not take
the others down: those that fail for good go to the dead letters, those that may pass later
retry together (a smaller batch), the rest are applied. A batch that comes back after its
worker died is split into single-event messages (`<service>.handle_event`), whose deliveries
are counted, so that only the event that kills its worker ends in the dead letters.
"""

import logging
import time
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from pydantic import ValidationError

from shared.confirmations import SENT_AT
from shared.deliveries import BLIPS, TRANSIENT, through_blips
from shared.observability import EVENTS, REQUEST_ID

if TYPE_CHECKING:
    from shared.consumer import EventTask

log = logging.getLogger(__name__)
Envelopes = Sequence[Mapping[str, Any]]


def register_batch_task(celery: Celery, service: str, *, transient: tuple[type[Exception], ...],
                        blip_budget: float, **options: Any) -> Task:
    """Define the task `<service>.handle_events` (`options`: those of `handle_event`)."""
    passing = (*TRANSIENT, *transient)

    @celery.task(name=f"{service}.handle_events", bind=True, **options)
    def handle_events(task: "EventTask", envelopes: list[dict[str, Any]]) -> None:
        """Apply each event of a batch once (the inbox keys on the event id), in order, then
        confirm them to their producers; what may pass later retries."""
        if not isinstance(envelopes, list):  # not what a producer sends: one by one buries it
            envelopes = [envelopes]
        if (task.request.delivery_info or {}).get("redelivered"):
            split(task, envelopes)  # back after its worker died: each goes on alone
            return
        try:
            applied = through_blips(lambda: task.inbox.handle_batch(envelopes), blip_budget)
        except SoftTimeLimitExceeded:
            raise  # on_failure splits it
        except BLIPS as exc:  # the database or Redis away for longer: the batch retries
            retry_later(task, envelopes, exc)
            return
        except Exception as exc:
            log.warning("a batch of %d events failed (%s: %s): handling them one by one",
                        len(envelopes), type(exc).__name__, exc)
            one_by_one(task, envelopes, passing, blip_budget)
            return
        task.confirmations.confirm_all(envelopes, service)
        for envelope, handled in zip(envelopes, applied, strict=True):
            counted(service, envelope, handled)

    return handle_events


def one_by_one(task: "EventTask", envelopes: Envelopes, passing: tuple[type[Exception], ...],
               blip_budget: float) -> None:
    """Apply each event alone: bury those that fail for good, retry those that may pass."""
    done: list[Mapping[str, Any]] = []
    later: list[Mapping[str, Any]] = []
    cause: Exception | None = None
    for position, envelope in enumerate(envelopes):
        if not isinstance(envelope, Mapping):
            task.bury({"envelope": repr(envelope)[:2000]}, "not an event envelope")
            continue
        try:
            handled = through_blips(partial(task.inbox.handle, envelope), blip_budget)
        except SoftTimeLimitExceeded:
            raise
        except BLIPS as exc:  # still away: this one and the rest retry
            later, cause = [*later, *envelopes[position:]], exc
            break
        except passing as exc:
            later.append(envelope)
            cause = exc
        except Exception as exc:
            expected = isinstance(exc, ValidationError | KeyError)
            log.error("%s %s failed: %s: %s", envelope.get("type"), envelope.get("id"),
                      type(exc).__name__, exc, exc_info=not expected)
            task.bury(envelope, f"{type(exc).__name__}: {exc}")
            EVENTS.labels(task.service, str(envelope.get("type")), "failed").inc()
        else:
            done.append(envelope)
            counted(task.service, envelope, handled)
    task.confirmations.confirm_all(done, task.service)
    if later and cause is not None:
        retry_later(task, later, cause)


def retry_later(task: "EventTask", envelopes: Envelopes, cause: Exception) -> None:
    """Send these events again as a batch after a backoff, as Celery's autoretry would, and
    say so to their producers; after the last retry, bury them."""
    retries = task.request.retries
    if retries >= (task.max_retries or 0):
        for envelope in envelopes:
            task.bury(envelope, f"{type(cause).__name__}: {cause} (after {retries} retries)")
            EVENTS.labels(task.service, str(envelope.get("type")), "failed").inc()
        return
    countdown = get_exponential_backoff_interval(
        factor=int(task.retry_backoff), retries=retries, maximum=task.retry_backoff_max,
        full_jitter=task.retry_jitter)
    log.warning("%d events will retry in %.0f s after %s: %s (%s)", len(envelopes), countdown,
                type(cause).__name__, cause, ", ".join(str(e.get("id")) for e in envelopes[:3]))
    task.confirmations.confirm_all(envelopes, task.service,
                                   retrying_until=time.time() + task.longest_retry())
    raise task.retry(args=[list(envelopes)], exc=cause, countdown=countdown)


def split(task: "EventTask", envelopes: Envelopes) -> None:
    """Send each event of the batch again alone, as `<service>.handle_event` on the same
    queue (an event handled meanwhile is skipped by the inbox)."""
    log.warning("a batch of %d events came back (its worker died?): sent on one by one",
                len(envelopes))
    sent_at = task.request.get(SENT_AT) or time.time()
    for envelope in envelopes:
        if isinstance(envelope, Mapping):
            send_single(task.app, task.service, envelope, sent_at=sent_at)
        else:
            task.bury({"envelope": repr(envelope)[:2000]}, "not an event envelope")


def send_single(app: Celery, service: str, envelope: Mapping[str, Any], *,
                sent_at: float | None = None) -> None:
    """Put one event on `service`'s queue as the task `<service>.handle_event`."""
    app.send_task(f"{service}.handle_event", args=[envelope], queue=service,
                  headers={SENT_AT: sent_at or time.time()},
                  argsrepr=f"[{envelope.get('type')} {envelope.get('id')}]", kwargsrepr="{}")


def counted(service: str, envelope: Mapping[str, Any], handled: bool) -> None:
    """The metric and the log line of one event taken."""
    kind = str(envelope.get("type"))
    EVENTS.labels(service, kind, "consumed" if handled else "skipped").inc()
    if log.isEnabledFor(logging.INFO):
        token = REQUEST_ID.set(str(envelope.get("request_id") or envelope.get("id")))
        try:
            log.info("%s %s %s", kind, envelope.get("id"), "handled" if handled else "skipped")
        finally:
            REQUEST_ID.reset(token)
