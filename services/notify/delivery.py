"""Sending e-mail exactly once, as far as SMTP allows.

A delivery is stored (status "waiting") in the same transaction as the event that caused it,
or already claimed there for the worker's sending threads (`sender.py`) when they run; else a
sender claims it ("sending", with a lease and a claim token of its own: `claims.py`). The
sender talks to the SMTP server outside any transaction, and records the acceptance the moment
the server has answered 250 to the message (before any QUIT), in a short transaction (shared by
the threads whose servers answered meanwhile: `records.py`), only if its claim still stands.
Whatever dies on the way, the delivery is found again: a "waiting" one by the next round, a
"sending" one whose lease ran out (the sender died mid-send) likewise, and it goes out with
the same Message-ID. A second copy can only follow a message the server took that is not
recorded as sent: the sender killed between the 250 and that record, or a 250 that never
reached us (SMTP cannot tell it from a failure).

Temporary failures (no connection, a server too slow, 4xx) are retried with exponential
backoff; a permanent one (5xx) fails the delivery, and a refused recipient stops all mail to
that address (a bounce). An e-mail that cannot be built (its content, our bug) fails at once
with the reason, never retried; whatever happens to one e-mail, the next is sent.
"""

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from services.notify import claims, mailer, messages
from services.notify.claims import QUEUED, Claimed
from services.notify.models import Address, Consent, Delivery, Status
from services.notify.records import SentRecords
from services.notify.settings import NotifySettings
from services.notify.tokens import Tokens
from shared.events import Clock, utcnow

log = logging.getLogger(__name__)

# Sends a message, calling the third argument as soon as the server has accepted it.
Sender = Callable[[NotifySettings, EmailMessage, Callable[[], object]], None]
MAX_BACKOFF = 3600.0


class Deliveries:
    """Sends stored deliveries: right after the commit that queued them, and in rounds."""

    def __init__(self, *, settings: NotifySettings, sessions: sessionmaker[Any],
                 tokens: Tokens, send: Sender = mailer.send, clock: Clock = utcnow) -> None:
        self.settings, self.sessions, self.tokens, self.send = settings, sessions, tokens, send
        self.clock = clock  # retries, leases and the digest's window run on it
        self.sent = SentRecords(sessions, clock)

    def send_due(self) -> int:
        """One round: send what is due; return how many e-mails went out. One bad e-mail
        does not stop the round."""
        return sum(self.deliver(key) for key in self.due_keys(200))

    def due_keys(self, limit: int) -> list[str]:
        """The keys of up to `limit` deliveries that are due, oldest first."""
        with self.sessions() as session:
            return list(session.exec(select(Delivery.key).where(claims.due(self.clock()))
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

    def take_handed(self, handed: list[tuple[str, str]]) -> list[Claimed]:
        """The deliveries claimed for this process's senders as they were stored ((key,
        claim) pairs): theirs to send, or to `release`, as `claim_due`'s."""
        return claims.take_handed(sessions=self.sessions, handed=handed)

    def _claim(self, which: Any, limit: int) -> list[Claimed]:
        return claims.claim(sessions=self.sessions, settings=self.settings, now=self.clock(),
                            which=which, limit=limit)

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

    def release(self, claimed: list[Claimed]) -> None:
        """Give back claimed deliveries that were not sent (the sender is stopping): due again
        at once, for any sender, the attempt not counted."""
        self.give_back([(delivery.key, claim) for delivery, _, claim in claimed])

    def give_back(self, handed: list[tuple[str, str]]) -> None:
        """`release` by (key, claim) pairs, in one transaction."""
        with self.sessions() as session:
            claims.release(session, handed)
            session.commit()

    def _send(self, delivery: Delivery, claim: str, message: EmailMessage,
              send: Sender) -> bool:
        """Send; record the acceptance the moment the server says 250 (a QUIT that hangs or
        a sender killed after it cannot make it go out twice), or the failure."""
        accepted = False

        def record() -> None:
            nonlocal accepted
            accepted = True
            if self.sent.record(delivery.key, claim):
                log.info("e-mail %s sent (%s)", delivery.key.split(":")[0], delivery.message_id)
            else:
                log.warning("e-mail %s: its lease ran out while it was sent; not recorded",
                            delivery.key.split(":")[0])

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
        """Record an outcome other than sent, if this sender's claim still stands (a sender
        whose lease ran out must not overwrite what the next one recorded); True if it did."""
        with self.sessions() as session:
            recorded = session.execute(update(Delivery).where(
                col(Delivery.key) == delivery.key, col(Delivery.status) == Status.sending,
                col(Delivery.claim) == claim).values(
                status=status, claimed_until=None, last_error=error, sent_at=None,
                **values), execution_options={"synchronize_session": False}).rowcount
            session.commit()
        if not recorded:
            log.warning("e-mail %s: its lease ran out while it was sent; the outcome (%s) is "
                        "not recorded", delivery.key.split(":")[0], status)
        return bool(recorded)


def queue(session: Session, delivery: Delivery) -> None:
    """Store `delivery` (new, waiting) in the session's transaction; it is sent right after
    the commit."""
    session.add(delivery)
    queued(session, delivery.key)


def queued(session: Session, key: str) -> None:
    """Send the delivery `key`, new and waiting, that the session's transaction wrote, right
    after the commit."""
    session.info.setdefault(QUEUED, []).append(key)
