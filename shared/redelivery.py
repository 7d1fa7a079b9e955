"""Sending again what no consumer confirmed: the producer's half of `shared/confirmations.py`.

Each sent outbox row lists the consumers that have not confirmed it (`awaiting`) and when to
look next (`resend_at`: `redeliver_after` after the send). Then, for each consumer still
missing, the event is sent again unless that consumer's queue may still hold it (a message
sent no later than this event waits at its head) or a retry of the consumer keeps it. So a
message lost between the queue and a worker comes back `redeliver_after` seconds (plus at
most one sweep) after its consumer has taken everything sent before it; a copy that was not
lost after all is dropped by the consumer's inbox.
"""

import logging
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy import Row, select, update

from shared.confirmations import DONE, Pair, retry_deadline
from shared.events import utcnow
from shared.outbox import CLAIM, Outbox, forget_data

log = logging.getLogger(__name__)
Sent = Row[*tuple[Any, ...]]  # an outbox row: event_id, type, envelope, awaiting, ...

BATCH = 500  # rows looked at in one round
ROUNDS = 10  # rounds in one sweep, at most
BACKOFF_LIMIT = 6  # an event sent again n times is looked at after redeliver_after * 2**n


def redeliver(outbox: Outbox) -> int:
    """Look at the confirmations of every sent event that is due; send again each one some
    consumer has not confirmed and cannot still have queued. Returns the copies sent."""
    copies = 0
    for _ in range(ROUNDS):
        rows = _claim(outbox)
        copies += _settle(outbox, rows)
        if len(rows) < BATCH:
            break
    return copies


def _claim(outbox: Outbox) -> list[Sent]:
    """Take the due rows for CLAIM: mark them with a time no other sweep uses, then read
    them back by it (two statements, the same on SQLite and PostgreSQL)."""
    t, now = outbox.table, utcnow()
    mark = now + CLAIM + timedelta(microseconds=random.randrange(1, 1_000_000))
    due = select(t.c.event_id).where(t.c.resend_at <= now).order_by(t.c.resend_at).limit(BATCH)
    with outbox.engine.begin() as conn:
        conn.execute(update(t).where(t.c.event_id.in_(due), t.c.resend_at <= now)
                     .values(resend_at=mark))
        return list(conn.execute(
            select(t.c.event_id, t.c.type, t.c.envelope, t.c.awaiting, t.c.sent_at, t.c.resends)
            .where(t.c.resend_at == mark)).all())


def _settle(outbox: Outbox, rows: list[Sent]) -> int:
    """Record what was confirmed, send again what must be, and say when to look next."""
    if not rows:
        return 0
    now, after = utcnow(), outbox.redeliver_after
    pairs = [(row.event_id, consumer) for row in rows for consumer in row.awaiting or ()]
    try:
        states = outbox.confirmations.read(outbox.producer, pairs)
        heads = {consumer: outbox.confirmations.oldest_waiting(consumer)
                 for consumer in {consumer for _, consumer in pairs}}
    except redis.RedisError as exc:  # look again at the next sweep
        log.warning("outbox: cannot read confirmations now: %s", exc)
        _update(outbox, {((), now + after): [row.event_id for row in rows]}, keep=True)
        return 0
    later: dict[tuple[tuple[str, ...], datetime], list[str]] = defaultdict(list)
    confirmed: list[Sent] = []
    copies, broker_down = 0, False
    for row in rows:
        missing = tuple(c for c in row.awaiting or () if states.get((row.event_id, c)) != DONE)
        if not missing:
            confirmed.append(row)
            continue
        look_at = now + after
        due = []
        for consumer in missing:
            until = retry_deadline(states.get((row.event_id, consumer), ""))
            if until is not None and until > now.timestamp():
                look_at = max(look_at, datetime.fromtimestamp(until, UTC) + after)
            elif not _may_hold(heads[consumer], row.sent_at):
                due.append(consumer)
        if due and not broker_down:
            try:
                for consumer in due:
                    outbox.publish(row.envelope, consumer)
            except (BrokerError, OSError, redis.RedisError) as exc:
                log.warning("outbox: could not send %s %s again: %s", row.type, row.event_id,
                            exc)
                broker_down = True
            else:
                copies += len(due)
                log.warning("outbox: %s %s not confirmed by %s within %.0f s of its queue "
                            "reaching it: sent again", row.type, row.event_id,
                            ", ".join(due), after.total_seconds())
                _resent(outbox, row, missing, now)
                continue
        later[missing, look_at].append(row.event_id)
    _update(outbox, later, keep=False)
    _confirmed(outbox, confirmed, [pair for pair, state in states.items() if state == DONE])
    return copies


def _may_hold(head_sent_at: float | None, sent_at: datetime) -> bool:
    """Whether a queue whose oldest message was sent at `head_sent_at` (None: empty; 0.0:
    unknown) may still hold a message sent at `sent_at`."""
    return head_sent_at is not None and head_sent_at <= sent_at.timestamp()


def _resent(outbox: Outbox, row: Sent, missing: tuple[str, ...], now: datetime) -> None:
    t = outbox.table
    wait = outbox.redeliver_after * 2 ** min(row.resends + 1, BACKOFF_LIMIT)
    with outbox.engine.begin() as conn:
        conn.execute(update(t).where(t.c.event_id == row.event_id).values(
            awaiting=list(missing), sent_at=now, resends=t.c.resends + 1, resend_at=now + wait))


def _update(outbox: Outbox, later: dict[tuple[tuple[str, ...], datetime], list[str]], *,
            keep: bool) -> None:
    """Set when to look next, one statement per (consumers still awaited, time) group; with
    `keep`, leave each row's awaited consumers as they were."""
    t = outbox.table
    with outbox.engine.begin() as conn:
        for (missing, look_at), ids in later.items():
            values: dict[str, Any] = {"resend_at": look_at}
            if not keep:
                values["awaiting"] = list(missing)
            conn.execute(update(t).where(t.c.event_id.in_(ids)).values(**values))


def _confirmed(outbox: Outbox, rows: list[Sent], done: list[Pair]) -> None:
    """Rows every consumer confirmed: nothing more to wait for, and personal data forgotten;
    then their confirmations are deleted (they expire anyway should that fail)."""
    t = outbox.table
    with outbox.engine.begin() as conn:
        if rows:
            conn.execute(update(t).where(t.c.event_id.in_([row.event_id for row in rows]))
                         .values(awaiting=None, resend_at=None))
        for row in rows:
            if forget_data(row.envelope):
                conn.execute(update(t).where(t.c.event_id == row.event_id)
                             .values(envelope=row.envelope | {"data": {}}))
    try:
        outbox.confirmations.forget(outbox.producer, done)
    except redis.RedisError as exc:
        log.warning("outbox: could not delete %d confirmations now: %s", len(done), exc)
