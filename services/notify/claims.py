"""Taking deliveries for sending: a claim ("sending", a lease and a claim token) makes a
delivery one sender's to send until the lease runs out; whoever finds it due after that (the
sender died mid-send) claims it again, and it goes out with the same Message-ID.

Two ways in. A sender claims what is due (`claim`), in one transaction. And a worker's pool
child storing new e-mails while its main process's sending threads are running claims them
for those threads in the very transaction that stores them (`claim_queued`), then hands the
claims over (`sender.py`), which take them with a read (`take_handed`), no write of their own.
"""

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, bindparam, event, or_, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from services.notify.models import Address, Consent, Delivery, Kind, NotifyTable, Status
from services.notify.settings import NotifySettings
from shared.db import after_commit
from shared.direct import Direct
from shared.events import Clock

# Key in Session.info: the keys of the deliveries its transaction stores (`delivery.queue`);
# its commit hands them on as (key, claim or None) pairs (`on_commit`).
QUEUED = "burg_notify_queued"
HANDED = "burg_notify_handed"


class Claimed(NamedTuple):
    """A delivery claimed for sending, its address, and the claim that makes it ours."""

    delivery: Delivery
    address: Address
    claim: str


def due(now: datetime) -> ColumnElement[bool]:
    """Waiting and its time has come, or claimed by a sender whose lease ran out."""
    return or_(
        and_(col(Delivery.status) == Status.waiting,
             or_(col(Delivery.next_attempt_at).is_(None), col(Delivery.next_attempt_at) <= now)),
        and_(col(Delivery.status) == Status.sending, col(Delivery.claimed_until) < now))


def claim(*, sessions: sessionmaker[Any], settings: NotifySettings, now: datetime,
          which: ColumnElement[bool] | None, limit: int) -> list[Claimed]:
    """Claim up to `limit` due deliveries (of those `which` picks), oldest first, in one
    transaction; settle those not to be sent (cancelled, failed) in the same one."""
    token = uuid.uuid4().hex
    chosen = select(Delivery.key).where(due(now))
    if which is not None:
        chosen = chosen.where(which)
    chosen = chosen.order_by(col(Delivery.created_at)).limit(limit)
    with sessions() as session:
        if session.exec(chosen).first() is None:  # a read: nothing due takes no write turn
            return []
        if not session.execute(
                update(Delivery).where(col(Delivery.key).in_(chosen.scalar_subquery()), due(now))
                .values(status=Status.sending, attempts=col(Delivery.attempts) + 1,
                        claimed_until=now + timedelta(seconds=settings.lease_seconds),
                        claim=token),
                execution_options={"synchronize_session": False}).rowcount:
            return []
        rows = session.exec(select(Delivery, Address).join(
            Address, col(Address.id) == col(Delivery.address_id)).where(
            Delivery.claim == token, Delivery.status == Status.sending)
            .order_by(col(Delivery.created_at))).all()
        claimed = []
        for delivery, address in rows:
            if delivery.kind == Kind.digest:
                delivery.content = {"items": [d.content for d in session.exec(
                    select(Delivery).where(Delivery.digest_key == delivery.key,
                                           Delivery.status == Status.folded)
                    .order_by(col(Delivery.created_at))).all()]}
            if (unsendable := _unsendable(settings, delivery, address)) is None:
                claimed.append(Claimed(delivery, address, token))
                continue
            outcome, reason = unsendable
            session.execute(update(Delivery).where(col(Delivery.key) == delivery.key)
                            .values(status=outcome, claimed_until=None, last_error=reason))
        session.commit()
        return claimed


_delivery = NotifyTable.metadata.tables["delivery"]
# Claims a new delivery for this worker's sending threads (`claim_queued`).
CLAIM_NEW = Direct(update(_delivery).where(
    _delivery.c.key == bindparam("the_key"), _delivery.c.status == Status.waiting,
    _delivery.c.kind != Kind.digest).values(
    status=Status.sending, claim=bindparam("token"), claimed_until=bindparam("lease"),
    attempts=_delivery.c.attempts + 1))


def claim_queued(session: Session, keys: list[str], *, settings: NotifySettings,
                 now: datetime) -> list[tuple[str, str]]:
    """Claim new deliveries in the session that stores them (before its commit) for the
    sending threads of this worker: (key, claim) of each, to hand over once committed. Only
    new ones are queued (waiting, no digest), so no other sender can hold them; a delivery
    is stored after its address's consent was read in the same transaction, so it is
    sendable."""
    token = uuid.uuid4().hex
    lease = now + timedelta(seconds=settings.lease_seconds)
    session.flush()  # those queued as ORM objects (`delivery.queue`) are rows to claim
    CLAIM_NEW.run_many(session.connection(), [{"the_key": key, "token": token, "lease": lease}
                                              for key in keys])
    return [(key, token) for key in keys]


def on_commit(sessions: sessionmaker[Any], *, settings: NotifySettings, clock: Clock,
              claim_for: Callable[[], bool],
              then: Callable[[list[tuple[str, str | None]]], object]) -> None:
    """After each commit that stored deliveries, call `then` with (key, claim) of each: the
    claim made in that transaction for the sending threads of this worker when `claim_for()`
    says they take them (`claim_queued`), else None."""

    @event.listens_for(sessions, "before_commit")
    def _claim(session: Session) -> None:
        queued = session.info.pop(QUEUED, None)
        if not queued:
            return
        handed: dict[str, str | None] = dict.fromkeys(queued)
        if claim_for():
            handed.update(claim_queued(session, list(handed), settings=settings,
                                       now=clock()))
        session.info.setdefault(HANDED, []).extend(handed.items())

    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(QUEUED, None)

    after_commit(sessions, HANDED, then)


# Built once: building it for each hand-over, with its cache key, cost more than running it.
HANDED_ROWS = select(Delivery, Address).join(
    Address, col(Address.id) == col(Delivery.address_id)).where(
    col(Delivery.key).in_(bindparam("keys", expanding=True)),
    Delivery.status == Status.sending).order_by(col(Delivery.created_at))


def take_handed(*, sessions: sessionmaker[Any], handed: list[tuple[str, str]]
                ) -> list[Claimed]:
    """The deliveries claimed for us at their store (`claim_queued`), with their addresses,
    oldest first: a read, as the claims are made. One no longer held by its claim (its lease
    ran out meanwhile and another sender took it, or its transaction never committed) is
    left out."""
    claims = dict(handed)
    with sessions() as session:
        rows = session.exec(HANDED_ROWS, params={"keys": list(claims)}).all()
        return [Claimed(delivery, address, claims[delivery.key]) for delivery, address in rows
                if delivery.claim == claims[delivery.key]]


def release(session: Session, claims: Iterable[tuple[str, str]]) -> None:
    """Give back claimed deliveries ((key, claim) each) that were not sent, in the session's
    transaction: due again at once, for any sender, the attempt not counted."""
    for key, token in claims:
        session.execute(update(Delivery).where(
            col(Delivery.key) == key, col(Delivery.claim) == token,
            col(Delivery.status) == Status.sending).values(
            status=Status.waiting, attempts=col(Delivery.attempts) - 1, claimed_until=None),
            execution_options={"synchronize_session": False})


def _unsendable(settings: NotifySettings, delivery: Delivery,
                address: Address) -> tuple[Status, str] | None:
    """Why a claimed delivery is not to be sent, with its outcome (failed, or cancelled);
    None if it is to be sent."""
    if delivery.attempts > settings.max_attempts:  # a sender died every time
        return Status.failed, f"gave up after {delivery.attempts - 1} attempts"
    if address.consent != Consent.confirmed and delivery.kind != Kind.confirm:
        return Status.cancelled, "the address said stop (or bounced) after this was queued"
    if delivery.kind == Kind.digest and not delivery.content["items"]:
        return Status.cancelled, "every reply in it was removed"
    return None
