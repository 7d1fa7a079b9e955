"""A commenter asked to be forgotten (`commenter.forgotten`): no more e-mail for them.

Their subscriptions go. An address only they used is unsubscribed, as if its owner had clicked
the link, and everything waiting to go to it is cancelled (confirmation requests and digests
too). An address another commenter also gave keeps that commenter's subscriptions and
e-mail: only the reply e-mail meant for the forgotten commenter (by the nic it greets, a nic
being one commenter's) is cancelled. The e-mail their own comments caused is taken back by
the `comment.removed` of each (replies.py). Handling the event twice changes nothing more.
"""

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from services.notify.models import Address, Consent, Delivery, Kind, Status, Subscription
from shared.events import CommenterForgotten, utcnow

PENDING = (Status.waiting, Status.held)  # what has not gone out yet and never will now


def on_commenter_forgotten(session: Session, event: CommenterForgotten) -> None:
    """Drop the commenter's subscriptions; unsubscribe the addresses no one else gave, and
    cancel what waits to go to them (to a shared address: only what greets this commenter)."""
    theirs = session.exec(select(Subscription).where(
        Subscription.commenter_id == event.commenter_id)).all()
    nics = {subscription.nic for subscription in theirs}
    for address_id in sorted({subscription.address_id for subscription in theirs}):
        shared = session.exec(select(Subscription.id).where(
            Subscription.address_id == address_id,
            Subscription.commenter_id != event.commenter_id)).first() is not None
        if shared:
            _cancel_greeting(session, address_id, nics)
        else:
            _unsubscribe(session, address_id)
    session.execute(delete(Subscription).where(
        col(Subscription.commenter_id) == event.commenter_id))


def _unsubscribe(session: Session, address_id: int) -> None:
    address = session.get_one(Address, address_id)
    if address.consent != Consent.unsubscribed:
        address.consent, address.changed_at = Consent.unsubscribed, utcnow()
        session.add(address)
    session.execute(update(Delivery).where(
        col(Delivery.address_id) == address_id, col(Delivery.status).in_(PENDING))
        .values(status=Status.cancelled))


def _cancel_greeting(session: Session, address_id: int, nics: set[str]) -> None:
    for waiting in session.exec(select(Delivery).where(
            Delivery.address_id == address_id, Delivery.kind == Kind.reply,
            col(Delivery.status).in_(PENDING))).all():
        if waiting.content.get("recipient_nic") in nics:
            waiting.status = Status.cancelled
            session.add(waiting)
