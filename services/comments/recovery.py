"""A nic that survives a lost cookie. A commenter is their token, kept in one browser's
cookie: lose the cookie and the nics stay theirs, but no browser can use them any more. A
recovery code, made on request and shown once, brings them back in another browser.

The code is random (25 characters of an alphabet without look-alikes, about 122 bits), so it
cannot be guessed, and only its SHA-256 is stored, as with tokens. Using it gives the browser
a new token (the old one stops working: whoever lost it may not be the only one who has it)
and a new code (a code works once: one seen over a shoulder is spent when its owner uses it).
Tries are rate limited per client address (`limits.py`).

A commenter who gave an address with a comment, and confirmed it, can also have a link
e-mailed: only notify keeps addresses, so the request travels as a round of events. Someone
types an address (`request_link`: sealed for notify, `recovery.requested`, the same answer
whether or not it is known); notify, if that address is confirmed, names the commenters who
gave it (`recovery.wanted`); this service makes each a link code (`on_recovery_wanted`: as
random as a recovery code, stored as its hash, single use, an hour) and hands them sealed to
notify (`recovery.codes`), which mails the links. A link code leaves the commenter's own
recovery code alone (anyone may ask for a link to any address) until it is used: then, as
with a code, the token and the recovery code are new."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from services.comments.identity import token_hash
from services.comments.models import Commenter, Nic, RecoveryLink
from services.comments.settings import CommentsSettings
from shared.errors import Unauthorized, Unavailable
from shared.events import RecoveryCodes, RecoveryRequested, RecoveryWanted, utcnow
from shared.inbox import outbox_of
from shared.outbox import Outbox
from shared.sealing import seal

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U/V pairs to misread
GROUPS, GROUP = 5, 5
WRONG = "this recovery code is not valid: a code works once, and a new one replaces the old"
LINK_LIFETIME = timedelta(hours=1)  # a mailed code that waits longer in a mailbox is spent


def new_code() -> str:
    """A fresh code, written in groups: `ABCDE-FGHJK-…`."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP))
                    for _ in range(GROUPS))


def code_hash(code: str) -> str:
    """What is stored of a code: the SHA-256 of its letters, as typed in any case, with or
    without the dashes and spaces."""
    letters = "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())
    return hashlib.sha256(letters.encode()).hexdigest()


def make_code(session: Session, commenter: Commenter) -> str:
    """A new recovery code for `commenter` (the old one, if any, stops working)."""
    code = new_code()
    commenter.recovery_hash = code_hash(code)
    session.add(commenter)
    session.commit()
    return code


def recover(session: Session, code: str) -> tuple[Commenter, list[str], str, str]:
    """The commenter whose code this is, their nics, a new token and a new code (the old
    token and code stop working); Unauthorized for a code that is no commenter's."""
    hashed = code_hash(code)
    commenter = session.exec(select(Commenter)
                             .where(Commenter.recovery_hash == hashed)).first()
    if commenter is None:
        link = session.get(RecoveryLink, hashed)
        if link is not None and link.expires_at > utcnow():
            commenter = session.get(Commenter, link.commenter_id)
    if commenter is None:
        raise Unauthorized(WRONG)
    # Every link mailed to them is spent with it: one recovery, one new token.
    session.execute(delete(RecoveryLink).where(col(RecoveryLink.commenter_id) == commenter.id))
    token, fresh = secrets.token_urlsafe(32), new_code()
    commenter.token_hash, commenter.recovery_hash = token_hash(token), code_hash(fresh)
    session.add(commenter)
    session.commit()
    nics = session.exec(select(Nic.nic).where(Nic.commenter_id == commenter.id)
                        .order_by(col(Nic.created_at))).all()
    return commenter, list(nics), token, fresh


def request_link(*, session: Session, outbox: Outbox, settings: CommentsSettings,
                 email: str) -> None:
    """Ask notify, by `recovery.requested`, to mail recovery links to `email` if it is a
    confirmed address of commenters here. Nothing is stored but the sealed event; nothing
    says whether the address is known."""
    if not settings.notify_public_key:
        raise Unavailable("e-mail is not set up here (no public key of the notify service, "
                          "BURG_COMMENTS_NOTIFY_PUBLIC_KEY)")
    request_id = uuid.uuid4().hex
    outbox.add(session, RecoveryRequested(
        request_id=request_id, sealed=seal(settings.notify_public_key, {"email": email},
                                           RecoveryRequested.context(request_id))))
    session.commit()


def on_recovery_wanted(session: Session, event: RecoveryWanted, *,
                       settings: CommentsSettings) -> None:
    """Notify found the address confirmed, given by these commenters: a link code for each
    (those this service does not know are left out), sealed for notify in `recovery.codes`.
    Expired link codes are swept out on the way."""
    now = utcnow()
    session.execute(delete(RecoveryLink).where(col(RecoveryLink.expires_at) <= now))
    expires_at = now + LINK_LIFETIME
    links = []
    for commenter_id in sorted(set(event.commenter_ids)):
        commenter = session.get(Commenter, commenter_id)
        if commenter is None:
            continue
        code = new_code()
        session.add(RecoveryLink(code_hash=code_hash(code), commenter_id=commenter_id,
                                 expires_at=expires_at))
        links.append({"nic": commenter.original_nic, "code": code})
    if not links:
        return
    if not settings.notify_public_key:  # notify asked, so it was set when the request came
        raise Unavailable("no public key of the notify service to seal recovery links with")
    outbox_of(session).add(session, RecoveryCodes(
        request_id=event.request_id, address_id=event.address_id,
        sealed=seal(settings.notify_public_key,
                    {"links": links, "expires_at": expires_at.isoformat()},
                    RecoveryCodes.context(event.request_id))))
