"""Consent: who asked for which e-mail, the confirmation of an address (double opt-in), and
unsubscribing. Links carry signed tokens; the pages that use them change nothing on GET."""

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from services.notify import delivery, messages
from services.notify.models import (
    Address,
    Consent,
    Delivery,
    Kind,
    RemovedComment,
    Status,
    Subscription,
)
from services.notify.settings import NotifySettings
from services.notify.tokens import BadToken, Purpose, Tokens
from shared.db import insert_or_ignore
from shared.events import SubscriptionRequested, utcnow
from shared.sealing import key_list, unseal
from shared.text import mail_key

# Someone may type another person's address: at most one confirmation request a day to it.
CONFIRM_AGAIN_AFTER = timedelta(days=1)


def on_subscription_requested(session: Session, event: SubscriptionRequested, *,
                              settings: NotifySettings) -> None:
    """Remember what the commenter asked for; ask a new (or unsubscribed) address to
    confirm first. The address comes sealed for notify (Unsealable if no key of ours opens
    it: the event goes to the dead letters, which the key can open once it is listed).
    A request that arrives after its comment was removed (its author forgotten, say, while
    this event was delayed) asks for nothing: that comment takes no replies any more."""
    if session.get(RemovedComment, event.comment_id) is not None:
        return
    address = address_for(session=session, email=_email(event, settings))
    assert address.id is not None
    wanted = []
    if event.replies:
        wanted.append(False)  # replies to this comment
    if event.follow_thread:
        wanted.append(True)  # every comment on the article
    for follows_thread in wanted:
        if not session.exec(select(Subscription).where(
                Subscription.comment_id == event.comment_id,
                Subscription.follows_thread == follows_thread)).first():
            session.add(Subscription(
                comment_id=event.comment_id, follows_thread=follows_thread,
                article_id=event.article_id, commenter_id=event.commenter_id, nic=event.nic,
                address_id=address.id))
    if address.consent in (Consent.unconfirmed, Consent.unsubscribed):
        _ask_to_confirm(session, settings, address)


def _email(event: SubscriptionRequested, settings: NotifySettings) -> str:
    if event.sealed or event.email is None:
        opened = unseal(key_list(settings.private_keys), event.sealed,
                        SubscriptionRequested.context(event.comment_id))
        return str(opened["email"])
    return event.email  # an event from before addresses were sealed


def address_for(*, session: Session, email: str) -> Address:
    """The address row for `email`, made if new. Every spelling of one address is one row:
    it is stored as `mail_key` writes it (lower-cased, the domain in its ASCII form), so the
    limit of one confirmation request a day holds for the mailbox, however it is typed.
    ValueError for what is no address we send to (the reason never names it)."""
    email = mail_key(email)
    # Two workers may meet the same new address at once: whoever inserts second inserts nothing.
    insert_or_ignore(session, Address, email=email, consent=Consent.unconfirmed,
                     changed_at=utcnow())
    return session.exec(select(Address).where(Address.email == email)).one()


def confirm(*, session: Session, tokens: Tokens, token: str) -> Address:
    """The owner clicked the confirmation link (and its button): reply e-mail may go out.
    A link older than the address's last change (say, an unsubscribe) no longer confirms."""
    address, signed_at = _address(session, tokens, Purpose.confirm, token)
    # Signing times are whole seconds: compare with the change's second.
    if (address.consent != Consent.confirmed
            and signed_at < address.changed_at.replace(microsecond=0)):
        raise BadToken("This link is older than your last change. Ask for e-mail again to get "
                       "a new one.")
    if address.consent in (Consent.unconfirmed, Consent.unsubscribed):
        address.consent, address.changed_at = Consent.confirmed, utcnow()
        session.add(address)
        session.commit()
    return address


def unsubscribe(*, session: Session, tokens: Tokens, token: str,
                now: datetime | None = None) -> Address:
    """Stop all e-mail to the address, and drop what waits to be sent to it; `now` (default:
    the time) is the change's time, which no older confirmation link undoes."""
    address, _ = _address(session, tokens, Purpose.unsubscribe, token)
    if address.consent != Consent.unsubscribed:
        address.consent, address.changed_at = Consent.unsubscribed, now or utcnow()
        session.add(address)
        session.execute(update(Delivery).where(
            col(Delivery.address_id) == address.id,
            col(Delivery.status).in_([Status.waiting, Status.held]))
            .values(status=Status.cancelled))
        session.commit()
    return address


def check(*, tokens: Tokens, purpose: Purpose, token: str) -> None:
    """BadToken unless `token` is a valid one for `purpose` (for the page before the button)."""
    tokens.read(purpose, token)


def _address(session: Session, tokens: Tokens, purpose: Purpose,
             token: str) -> tuple[Address, datetime]:
    address_id, email, signed_at = tokens.read(purpose, token)
    address = session.get(Address, address_id)
    if address is None or address.email != email:
        raise BadToken("This link is not valid any more.")
    return address, signed_at


def _ask_to_confirm(session: Session, settings: NotifySettings, address: Address) -> None:
    now = utcnow()
    last = address.confirmation_sent_at
    if last is not None and last > now - CONFIRM_AGAIN_AFTER:
        return
    address.confirmation_sent_at = now
    if address.consent == Consent.unsubscribed:  # asked again: consent starts over
        address.consent, address.changed_at = Consent.unconfirmed, now
    session.add(address)
    assert address.id is not None
    key = f"confirm:{address.id}:{now.date().isoformat()}"
    delivery.queue(session, Delivery(key=key, kind=Kind.confirm, address_id=address.id,
                                     message_id=messages.message_id(settings, key)))

