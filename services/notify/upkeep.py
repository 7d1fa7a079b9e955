"""What the operator and the worker's periodic duty do to stored e-mails, apart from sending
them: list those that failed for good, put them up again, and fold the replies held back by
the hourly limit into digests."""

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import col, select

from services.notify import messages
from services.notify.models import Address, Consent, Delivery, Kind, Status
from services.notify.settings import NotifySettings
from shared.events import Clock, utcnow


class Upkeep:
    """The failed e-mails, their retry, and the digests, on `sessions`, in `clock`'s time."""

    def __init__(self, *, settings: NotifySettings, sessions: sessionmaker[Any],
                 clock: Clock = utcnow) -> None:
        self.settings, self.sessions, self.clock = settings, sessions, clock

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
