"""Cases of unexpected messages: every event delivered three times, events no handler can
read (poison), and items on every queue that are no message at all."""

import time

from shared.celery_app import make_celery
from shared.events import Envelope, consumers
from shared.settings import Settings
from tests.databases import SERVICES, as_json
from tests.faults.burst import Burst
from tests.faults.experiment import Plan, Trial, experiment
from tests.faults.measure import count, mark
from tests.faults.site import CONSUMERS, Site
from tests.faults.waiting import until
from tests.garbage import GARBAGE, GARBAGE_TYPES, push_garbage

POISONS = 3  # poison events sent to each consumer of comment.created


def triple(site: Site, plan: Plan) -> Trial:
    """Every event of a burst of 10 replies and 10 comments delivered three times: the
    outbox's copy and two more, sent as soon as the burst is over."""
    since = mark(site)
    copies: list[tuple[str, str]] = []  # (consumer, event id)

    def fault(burst: Burst, trial: Trial) -> float:
        burst.join()
        celery = make_celery("faults", Settings(), site.broker.url)
        for producer in SERVICES:
            for (raw,) in site.stack.sql(producer, "SELECT envelope FROM outbox WHERE seq > :s",
                                         s=since.outbox[producer]):
                envelope = as_json(raw)
                for consumer in consumers(envelope):
                    copies.append((consumer, envelope["id"]))
                    for _ in range(2):
                        celery.send_task(f"{consumer}.handle_event", args=[envelope],
                                         queue=consumer)
        return time.monotonic()

    trial = experiment(site, plan, "triple", fault, replies=10, comments=10)

    def all_taken() -> bool:  # every copy handled or skipped: nothing still to come
        log = site.log.read()
        return all(log.handled[c] + log.skipped[c] >= 3 for c in copies)

    if not until(all_taken, plan.bound):
        trial.checks_ok = False
        trial.notes.append("not every copy was taken off its queue")
    trial.counted = count(site, since)  # a copy handled again would show now
    trial.notes.append(f"{2 * len(copies)} extra copies sent")
    return trial


def poison(site: Site, plan: Plan) -> Trial:
    """Mid-burst, 3 comment.created events with data no handler can read, to each of its
    consumers: they must end in the dead letters, and the burst be handled."""
    sent: list[str] = []

    def fault(burst: Burst, trial: Trial) -> float:
        until(lambda: len(burst.created) >= 20, 60)
        celery = make_celery("faults", Settings(), site.broker.url)
        for _ in range(POISONS):
            envelope = Envelope(type="comment.created", producer="faults",
                                data={"comment_id": "not a number"})
            raw = envelope.model_dump(mode="json")
            sent.append(raw["id"])
            for consumer in ("feeds", "notify"):
                celery.send_task(f"{consumer}.handle_event", args=[raw], queue=consumer)
        return time.monotonic()

    trial = experiment(site, plan, "poison", fault)
    buried = {(service, event_id) for service, _, event_id in trial.counted.dead_extra}
    missing = [(s, e) for e in sent for s in ("feeds", "notify") if (s, e) not in buried]
    if missing:
        trial.checks_ok = False
        trial.notes.append(f"{len(missing)} poison copies not in the dead letters")
    trial.notes.append(f"{len(sent) * 2 - len(missing)} of {len(sent) * 2} poison copies "
                       "dead-lettered")
    return trial


def garbage(site: Site, plan: Plan) -> Trial:
    """Mid-burst, five items that are no event on every queue (not JSON, JSON that is no
    message, a message that is no task, a task whose body is not JSON, an unknown task):
    each must end in its service's dead letters, and the burst be handled."""

    def fault(burst: Burst, trial: Trial) -> float:
        until(lambda: len(burst.created) >= 20, 60)
        for queue in CONSUMERS:
            push_garbage(site.broker.url, queue)
        return time.monotonic()

    trial = experiment(site, plan, "garbage", fault)
    for service in CONSUMERS:
        kinds = [kind for s, kind, _ in trial.counted.dead_extra if s == service]
        if len(kinds) < GARBAGE or not set(kinds) <= GARBAGE_TYPES:
            trial.checks_ok = False
            trial.notes.append(f"{service}: dead letters {sorted(kinds)}")
    return trial
