"""Recovery links by e-mail: notify's part. Only notify keeps addresses, so it decides who
may be mailed, and comments, which alone can open a commenter, makes the codes.

1. `recovery.requested` (from comments, the address sealed for us): if the address is
   confirmed, and commenters gave it with their comments (their subscriptions say which),
   answer comments with `recovery.wanted` naming them. An unknown, unconfirmed, unsubscribed
   or bounced address gets nothing, and the one who asked learns nothing either way. One
   request a quarter hour per address goes on (`AGAIN_AFTER`): nobody can fill a mailbox.
2. `recovery.codes` (from comments, the codes sealed for us): one e-mail with a link per
   commenter, through the deliveries like every other e-mail. Its stored content is the
   sealed codes as they came: the database never holds a live code in the clear.
"""

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlmodel import Session, col, select

from services.notify import delivery, messages
from services.notify.models import Address, Consent, Delivery, Kind, Subscription
from services.notify.settings import NotifySettings
from shared.events import RecoveryCodes, RecoveryRequested, RecoveryWanted, utcnow
from shared.inbox import outbox_of
from shared.sealing import key_list, unseal
from shared.text import mail_key

AGAIN_AFTER = timedelta(minutes=15)


def on_recovery_requested(session: Session, event: RecoveryRequested, *,
                          settings: NotifySettings) -> None:
    """Name to comments the commenters who gave this address, if it is confirmed and was not
    asked for in the last quarter hour; otherwise do nothing."""
    opened = unseal(key_list(settings.private_keys), event.sealed,
                    RecoveryRequested.context(event.request_id))
    try:
        email = mail_key(str(opened["email"]))
    except ValueError:  # no address we send to: nothing to do
        return
    address = session.exec(select(Address).where(Address.email == email)).first()
    if address is None or address.consent != Consent.confirmed:
        return
    commenter_ids = sorted(set(session.exec(select(Subscription.commenter_id).where(
        Subscription.address_id == address.id)).all()))
    if not commenter_ids:
        return
    now = utcnow()
    # One statement decides, so two requests handled at once by two workers mail once.
    taken = cast(CursorResult[Any], session.execute(update(Address).where(
        col(Address.id) == address.id,
        or_(col(Address.recovery_asked_at).is_(None),
            col(Address.recovery_asked_at) <= now - AGAIN_AFTER))
        .values(recovery_asked_at=now), execution_options={"synchronize_session": False}))
    if not taken.rowcount:
        return
    assert address.id is not None
    outbox_of(session).add(session, RecoveryWanted(
        request_id=event.request_id, address_id=address.id, commenter_ids=commenter_ids))


def on_recovery_codes(session: Session, event: RecoveryCodes, *,
                      settings: NotifySettings) -> None:
    """Queue the e-mail with the links, if the address still takes e-mail (it may have said
    stop meanwhile). The codes are opened here once, so that a value no key of ours opens
    goes to the dead letters now rather than fail at sending."""
    messages.recovery_links(settings, event.request_id, event.sealed)
    address = session.get(Address, event.address_id)
    key = f"recovery:{event.request_id}"
    if (address is None or address.consent != Consent.confirmed
            or session.get(Delivery, key) is not None):
        return
    delivery.queue(session, Delivery(
        key=key, kind=Kind.recovery, address_id=event.address_id,
        content={"request_id": event.request_id, "sealed": event.sealed},
        message_id=messages.message_id(settings, key)))
