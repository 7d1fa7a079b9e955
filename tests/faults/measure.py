"""What a case is judged by, read from the stack itself: the events each producer's outbox
holds since a mark, and for each consumer that owes one, whether its inbox (handled) or its
dead letters have it; how often the worker logged handling it; and the e-mails the SMTP sink
received for the case's replies (same recipient and Message-ID, that is same comment, twice:
a duplicate)."""

import time
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path

from shared.events import consumers
from tests.databases import SERVICES, as_json
from tests.faults.site import CONSUMERS, Site


@dataclass
class Mark:
    """Where a case starts: each table's last row, the mail already received."""

    outbox: dict[str, int]
    dead: dict[str, int]
    mails: set[str]


@dataclass
class Count:
    """The state of a case's events and e-mails at one moment."""

    events: int = 0  # outbox rows
    owed: int = 0  # (event, consumer) pairs: copies some consumer must handle
    once: int = 0  # handled (in the inbox), logged as handled at most once
    twice: int = 0  # handled, and logged as handled more than once
    dead: int = 0  # in the consumer's dead letters instead (counted as handled, not lost)
    missing: int = 0  # neither (yet): lost, if the case is over
    missing_in: Counter[str] = field(default_factory=Counter)  # consumer → its missing
    # Dead letters of the case that are no owed event (garbage, poison): (service, type, id).
    dead_extra: list[tuple[str, str, str]] = field(default_factory=list)
    mails_owed: int = 0
    mails_sent: int = 0  # distinct (recipient, Message-ID) of the case's replies received
    mails_dup: int = 0  # copies beyond the first

    @property
    def complete(self) -> bool:
        return self.missing == 0 and self.mails_sent >= self.mails_owed


def mark(site: Site) -> Mark:
    stack = site.stack
    return Mark(
        outbox={s: stack.sql(s, "SELECT COALESCE(MAX(seq), 0) FROM outbox")[0][0]
                for s in SERVICES},
        dead={s: stack.sql(s, "SELECT COALESCE(MAX(id), 0) FROM dead_letter")[0][0]
              for s in CONSUMERS},
        mails=set(_mail_names(site)))


def count(site: Site, since: Mark) -> Count:
    """How the case's events and e-mails stand now."""
    stack, result = site.stack, Count()
    owed: list[tuple[str, str]] = []  # (consumer, event id)
    replies: set[int] = set()
    for producer in SERVICES:
        for event_id, kind, raw in stack.sql(
                producer, "SELECT event_id, type, envelope FROM outbox WHERE seq > :seq",
                seq=since.outbox[producer]):
            envelope = as_json(raw)
            result.events += 1
            owed += [(consumer, event_id) for consumer in consumers(envelope)]
            if kind == "comment.created" and envelope["data"].get("parent_wants_replies"):
                replies.add(int(envelope["data"]["comment_id"]))
    handled, dead = {}, {}
    for service in CONSUMERS:
        handled[service] = {row[0] for row in stack.sql(service, "SELECT event_id FROM inbox")}
        dead[service] = [row for row in stack.sql(
            service, "SELECT event_id, type FROM dead_letter WHERE id > :id",
            id=since.dead[service])]
    logged = site.log.read().handled
    owed_ids = {(c, e) for c, e in owed}
    for consumer, event_id in owed:
        if event_id in handled[consumer]:
            if logged[consumer, event_id] > 1:
                result.twice += 1
            else:
                result.once += 1
        elif any(row[0] == event_id for row in dead[consumer]):
            result.dead += 1
        else:
            result.missing += 1
            result.missing_in[consumer] += 1
    result.owed = len(owed)
    result.dead_extra = [(service, kind, event_id) for service in CONSUMERS
                         for event_id, kind in dead[service] if (service, event_id) not in owed_ids]
    _count_mails(site, since, replies, result)
    return result


def _count_mails(site: Site, since: Mark, replies: set[int], result: Count) -> None:
    result.mails_owed = len(replies)
    if not replies:
        return
    keys = {message_id: comment_id for comment_id, message_id in site.stack.sql(
        "notify", "SELECT comment_id, message_id FROM delivery WHERE kind = 'reply'")
        if comment_id in replies}
    received: Counter[tuple[str, str]] = Counter()
    for name in _mail_names(site):
        if name in since.mails:
            continue
        to, message_id = _headers(site, name)
        if message_id in keys:
            received[to, message_id] += 1
    result.mails_sent = len(received)
    result.mails_dup = sum(n - 1 for n in received.values())


_parsed: dict[Path, tuple[str, str]] = {}


def _mail_folder(site: Site) -> Path:
    return site.stack.data_dir / "mail" / "new"


def _mail_names(site: Site) -> list[str]:
    folder = _mail_folder(site)
    return [path.name for path in folder.iterdir()] if folder.exists() else []


def _headers(site: Site, name: str) -> tuple[str, str]:
    path = _mail_folder(site) / name
    if path not in _parsed:
        with path.open("rb") as message:
            headers = BytesHeaderParser().parse(message)
        _parsed[path] = (str(headers["To"]), str(headers["Message-ID"]))
    return _parsed[path]


def duplicate_mails(site: Site) -> int:
    """Copies beyond the first of any e-mail (same recipient and Message-ID) the sink has
    received since the stack started: what a case's own count would miss if a second copy
    came after the case was over."""
    received = Counter(_headers(site, name) for name in _mail_names(site))
    for (to, message_id), n in received.items():
        if n > 1:  # what it was, to find the case and the cause
            kind = site.stack.sql("notify", "SELECT kind, comment_id, attempts FROM delivery "
                                  "WHERE message_id = :m", m=message_id)
            print(f"!! {n} copies of {message_id} to {to}: {kind}", flush=True)
    return sum(n - 1 for n in received.values())


def settle(site: Site, since: Mark, fault_end: float, bound: float) -> tuple[Count, float | None]:
    """Wait until every event of the case is handled (or dead-lettered) and every e-mail it
    owes was received, at most `bound` seconds after the fault ended; the count then, and the
    seconds from the fault's end to that moment (None: not within the bound)."""
    deadline = fault_end + bound
    while True:
        now = count(site, since)
        if now.complete:
            return now, max(0.0, time.monotonic() - fault_end)
        if time.monotonic() > deadline:
            return now, None
        time.sleep(0.5)
