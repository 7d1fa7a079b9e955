"""Sending e-mail exactly once, as far as SMTP allows.

A delivery is stored (status "waiting") in the same transaction as the event that caused it.
A sender (the worker's sending threads, `sender.py`) claims it ("sending", with a lease and a
claim token of its own), talks to the SMTP server outside any transaction, and records the
acceptance the moment the server has answered 250 to the message (before any QUIT), in a short
transaction of its own, only if its claim still stands. Whatever dies on the way, the delivery
is found again: a "waiting" one by the next round, a "sending" one whose lease ran out (the
sender died mid-send) likewise, and it goes out with the same Message-ID. A second copy can
only follow a message the server took that is not recorded as sent: the sender killed between
the 250 and that record, or a 250 that never reached us (SMTP cannot tell it from a failure).

Temporary failures (no connection, a server too slow, 4xx) are retried with exponential
backoff; a permanent one (5xx) fails the delivery, and a refused recipient stops all mail to
that address (a bounce). An e-mail that cannot be built (its content, our bug) fails at once
with the reason, never retried; whatever happens to one e-mail, the next is sent.
"""

import logging
import smtplib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from services.notify import mailer, messages
from services.notify.models import Address, Consent, Delivery, Kind, Status
from services.notify.settings import NotifySettings
from services.notify.tokens import Tokens
from shared.events import Clock, utcnow

log = logging.getLogger(__name__)


class Claimed(NamedTuple):
    """A delivery claimed for sending, its address, and the claim that makes it ours."""

    delivery: Delivery
    address: Address
    claim: str


# Sends a message, calling the third argument as soon as the server has accepted it.
Sender = Callable[[NotifySettings, EmailMessage, Callable[[], object]], None]
QUEUED = "burg_notify_queued"  # key in Session.info: keys queued (the commit wakes a sender)
MAX_BACKOFF = 3600.0


def _due(now: datetime) -> ColumnElement[bool]:
    """Waiting and its time has come, or claimed by a sender whose lease ran out."""
    return or_(
        and_(col(Delivery.status) == Status.waiting,
             or_(col(Delivery.next_attempt_at).is_(None), col(Delivery.next_attempt_at) <= now)),
        and_(col(Delivery.status) == Status.sending, col(Delivery.claimed_until) < now))


class Deliveries:
    """Sends stored deliveries: right after the commit that queued them, and in rounds."""

    def __init__(self, *, settings: NotifySettings, sessions: sessionmaker[Any],
                 tokens: Tokens, send: Sender = mailer.send, clock: Clock = utcnow) -> None:
        self.settings, self.sessions, self.tokens, self.send = settings, sessions, tokens, send
        self.clock = clock  # retries, leases and the digest's window run on it

    def send_due(self) -> int:
        """One round: fold digests that are due, then send what is due; return how many
        e-mails went out. One bad e-mail does not stop the round."""
        self.fold_digests()
        return sum(self.deliver(key) for key in self.due_keys(200))

    def due_keys(self, limit: int) -> list[str]:
        """The keys of up to `limit` deliveries that are due, oldest first."""
        with self.sessions() as session:
            return list(session.exec(select(Delivery.key).where(_due(self.clock()))
                                     .order_by(col(Delivery.created_at)).limit(limit)).all())

    def deliver(self, key: str) -> bool:
        """Send the delivery `key` if it is due and nobody else is sending it; True if sent.
        Never raises: one e-mail's trouble is logged and recorded, and the next goes on."""
        try:
            claimed = self._claim(col(Delivery.key) == key, 1)
        except Exception:  # the database, say: a later round retries
            log.exception("e-mail %s: could not be claimed", key.split(":")[0])
            return False
        return bool(claimed) and self.send_claimed(claimed[0])

    def claim_due(self, limit: int) -> list[Claimed]:
        """Claim up to `limit` due deliveries, oldest first, in one transaction: each is this
        caller's to send (`send_claimed`) until its lease runs out, or to `release`."""
        return self._claim(None, limit)

    def connection(self) -> mailer.Connection:
        """An SMTP connection for a sending thread to keep (`send_claimed` with its `send`)."""
        return mailer.Connection(self.settings)

    def send_claimed(self, claimed: Claimed, send: Sender | None = None) -> bool:
        """Build and send a claimed delivery (with `send`, else this service's), and record the
        outcome; True if sent. Never raises: the trouble is logged and recorded."""
        delivery, address, claim = claimed
        try:
            try:
                message = messages.build(self.settings, self.tokens, delivery, address)
            except Exception as exc:  # its content (or our bug): the same each time, no retry
                log.exception("e-mail %s could not be built", delivery.key.split(":")[0])
                self._fail(delivery, claim, f"could not be built: {exc!r}")
                return False
            return self._send(delivery, claim, message, send or self.send)
        except Exception:  # the database, say: the lease runs out and a later round retries
            log.exception("e-mail %s: could not be handled", delivery.key.split(":")[0])
            return False

    def release(self, claims: list[Claimed]) -> None:
        """Give back claimed deliveries that were not sent (the sender is stopping): due again
        at once, for any sender, the attempt not counted."""
        for delivery, _, claim in claims:
            with self.sessions() as session:
                session.execute(update(Delivery).where(
                    col(Delivery.key) == delivery.key, col(Delivery.claim) == claim,
                    col(Delivery.status) == Status.sending).values(
                    status=Status.waiting, attempts=col(Delivery.attempts) - 1,
                    claimed_until=None))
                session.commit()

    def _send(self, delivery: Delivery, claim: str, message: EmailMessage,
              send: Sender) -> bool:
        """Send; record the acceptance the moment the server says 250 (a QUIT that hangs or
        a sender killed after it cannot make it go out twice), or the failure."""
        accepted = False

        def record() -> None:
            nonlocal accepted
            accepted = True
            if self._finish(delivery, claim, Status.sent):
                log.info("e-mail %s sent (%s)", delivery.key.split(":")[0], delivery.message_id)

        try:
            send(self.settings, message, record)
        except Exception as exc:
            if accepted:  # sent, but the record failed: after the lease, again (same Message-ID)
                log.exception("e-mail %s sent but not recorded", delivery.key.split(":")[0])
            else:
                self._failure(delivery, claim, exc)
        return accepted

    def _failure(self, delivery: Delivery, claim: str, exc: Exception) -> None:
        if isinstance(exc, (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused)):
            # Our own configuration is wrong, not the address: retry, then keep it for replay.
            self._retry(delivery, claim, f"SMTP refused us: {exc.smtp_code} {exc.smtp_error!r}")
        elif isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            if all(400 <= code < 500 for code in codes):
                self._retry(delivery, claim, f"recipient refused for now: {codes}")
            else:
                self._fail(delivery, claim, f"recipient refused: {codes}", bounced=True)
        elif isinstance(exc, smtplib.SMTPResponseException):
            if 400 <= exc.smtp_code < 500:
                self._retry(delivery, claim, f"SMTP said {exc.smtp_code}: {exc.smtp_error!r}")
            else:
                self._fail(delivery, claim, f"SMTP said {exc.smtp_code}: {exc.smtp_error!r}")
        elif isinstance(exc, TimeoutError):  # a slow server: temporary like any other
            self._retry(delivery, claim, f"SMTP timed out: {exc}")
        elif isinstance(exc, (OSError, smtplib.SMTPException)):  # refused, dropped
            self._retry(delivery, claim, f"no SMTP conversation: {exc!r}")
        else:  # our own bug: never loop on it
            log.error("e-mail %s could not be sent", delivery.key.split(":")[0], exc_info=exc)
            self._fail(delivery, claim, f"could not be sent: {exc!r}")

    def failed(self) -> list[Delivery]:
        """The e-mails that failed for good, oldest first."""
        with self.sessions() as session:
            return list(session.exec(select(Delivery).where(Delivery.status == Status.failed)
                                     .order_by(col(Delivery.created_at))).all())

    def retry(self, keys: list[str] | None = None) -> int:
        """Put failed e-mails (these, or all) up for sending again, attempts counted anew;
        return how many. The operator mended the cause, so an address that bounced is taken
        at its word again; one that said stop still gets nothing."""
        chosen = col(Delivery.status) == Status.failed
        if keys is not None:
            chosen = and_(chosen, col(Delivery.key).in_(keys))
        with self.sessions() as session:
            addresses = select(Delivery.address_id).where(chosen)
            session.execute(update(Address).where(
                col(Address.id).in_(addresses), col(Address.consent) == Consent.bounced)
                .values(consent=Consent.confirmed, changed_at=self.clock()))
            count = session.execute(update(Delivery).where(chosen).values(
                status=Status.waiting, attempts=0, next_attempt_at=None)).rowcount
            session.commit()
        return int(count)

    def fold_digests(self) -> None:
        """Fold the replies held back by the hourly limit into one digest per address, once
        the oldest of them has waited a whole window. The digest's text is made when it is
        sent, from the replies still folded into it (a removed comment drops out)."""
        cutoff = self.clock() - timedelta(seconds=self.settings.window_seconds)
        with self.sessions() as session:
            due = session.exec(select(Delivery.address_id, Delivery.key).where(
                Delivery.status == Status.held, col(Delivery.created_at) <= cutoff)
                .order_by(col(Delivery.created_at))).all()
        for address_id in dict.fromkeys(address for address, _ in due):
            oldest = next(key for address, key in due if address == address_id)
            key = f"digest:{address_id}:{oldest}"
            with self.sessions() as session:
                folded = session.execute(update(Delivery).where(
                    col(Delivery.address_id) == address_id, col(Delivery.status) == Status.held)
                    .values(status=Status.folded, digest_key=key)).rowcount
                if not folded:
                    continue
                session.add(Delivery(key=key, kind=Kind.digest, address_id=address_id,
                                     message_id=messages.message_id(self.settings, key)))
                try:
                    session.commit()
                except IntegrityError:  # another worker folded the same replies first
                    session.rollback()

    def _claim(self, which: ColumnElement[bool] | None, limit: int) -> list[Claimed]:
        """Claim up to `limit` due deliveries (of those `which` picks), oldest first, in one
        transaction; settle those not to be sent (cancelled, failed) in the same one."""
        now, claim = self.clock(), uuid.uuid4().hex
        lease = now + timedelta(seconds=self.settings.lease_seconds)
        chosen = select(Delivery.key).where(_due(now))
        if which is not None:
            chosen = chosen.where(which)
        chosen = chosen.order_by(col(Delivery.created_at)).limit(limit)
        with self.sessions() as session:
            if not session.execute(
                    update(Delivery).where(col(Delivery.key).in_(chosen.scalar_subquery()),
                                           _due(now))
                    .values(status=Status.sending, attempts=col(Delivery.attempts) + 1,
                            claimed_until=lease, claim=claim),
                    execution_options={"synchronize_session": False}).rowcount:
                return []
            rows = session.exec(select(Delivery, Address).join(
                Address, col(Address.id) == col(Delivery.address_id)).where(
                Delivery.claim == claim, Delivery.status == Status.sending)
                .order_by(col(Delivery.created_at))).all()
            claimed = []
            for delivery, address in rows:
                if delivery.kind == Kind.digest:
                    delivery.content = {"items": [d.content for d in session.exec(
                        select(Delivery).where(Delivery.digest_key == delivery.key,
                                               Delivery.status == Status.folded)
                        .order_by(col(Delivery.created_at))).all()]}
                unsendable = self._unsendable(delivery, address)
                if unsendable is None:
                    claimed.append(Claimed(delivery, address, claim))
                    continue
                outcome, reason = unsendable
                session.execute(update(Delivery).where(col(Delivery.key) == delivery.key)
                                .values(status=outcome, claimed_until=None, last_error=reason))
            session.commit()
            return claimed

    def _unsendable(self, delivery: Delivery, address: Address) -> tuple[Status, str] | None:
        """Why a claimed delivery is not to be sent, with its outcome (failed, or cancelled);
        None if it is to be sent."""
        if delivery.attempts > self.settings.max_attempts:  # a sender died every time
            return Status.failed, f"gave up after {delivery.attempts - 1} attempts"
        if address.consent != Consent.confirmed and delivery.kind != Kind.confirm:
            return Status.cancelled, "the address said stop (or bounced) after this was queued"
        if delivery.kind == Kind.digest and not delivery.content["items"]:
            return Status.cancelled, "every reply in it was removed"
        return None

    def _retry(self, delivery: Delivery, claim: str, error: str) -> None:
        if delivery.attempts >= self.settings.max_attempts:
            self._fail(delivery, claim, f"gave up after {delivery.attempts} attempts; {error}")
            return
        wait = min(MAX_BACKOFF, self.settings.retry_seconds * 2 ** (delivery.attempts - 1))
        log.warning("e-mail %s not sent (attempt %s), again in %.0f s: %s",
                    delivery.key.split(":")[0], delivery.attempts, wait, error)
        self._finish(delivery, claim, Status.waiting, error=error,
                     next_attempt_at=self.clock() + timedelta(seconds=wait))

    def _fail(self, delivery: Delivery, claim: str, error: str, *,
              bounced: bool = False) -> None:
        log.warning("e-mail %s failed for good: %s", delivery.key.split(":")[0], error)
        if self._finish(delivery, claim, Status.failed, error=error) and bounced:
            with self.sessions() as session:
                address = session.get_one(Address, delivery.address_id)
                address.consent, address.changed_at = Consent.bounced, self.clock()
                session.add(address)
                session.commit()

    def _finish(self, delivery: Delivery, claim: str, status: Status, *,
                error: str | None = None, **values: Any) -> bool:
        """Record the outcome, if this sender's claim still stands (a sender whose lease ran
        out must not overwrite what the next one recorded); True if it did."""
        sent_at = self.clock() if status == Status.sent else None
        with self.sessions() as session:
            recorded = session.execute(update(Delivery).where(
                col(Delivery.key) == delivery.key, col(Delivery.status) == Status.sending,
                col(Delivery.claim) == claim).values(
                status=status, claimed_until=None, last_error=error, sent_at=sent_at,
                **values), execution_options={"synchronize_session": False}).rowcount
            session.commit()
        if not recorded:
            log.warning("e-mail %s: its lease ran out while it was sent; the outcome (%s) is "
                        "not recorded", delivery.key.split(":")[0], status)
        return bool(recorded)


def queue(session: Session, delivery: Delivery) -> None:
    """Store `delivery` in the session's transaction; it is sent right after the commit."""
    session.add(delivery)
    session.info.setdefault(QUEUED, []).append(delivery.key)
