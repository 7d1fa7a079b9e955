"""A nic that survives a lost cookie. A commenter is their token, kept in one browser's
cookie: lose the cookie and the nics stay theirs, but no browser can use them any more. A
recovery code, made on request and shown once, brings them back in another browser.

The code is random (25 characters of an alphabet without look-alikes, about 122 bits), so it
cannot be guessed, and only its SHA-256 is stored, as with tokens. Using it gives the browser
a new token (the old one stops working: whoever lost it may not be the only one who has it)
and a new code (a code works once: one seen over a shoulder is spent when its owner uses it).
Tries are rate limited per client address (`limits.py`)."""

import hashlib
import secrets

from sqlmodel import Session, col, select

from services.comments.identity import token_hash
from services.comments.models import Commenter, Nic
from shared.errors import Unauthorized

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U/V pairs to misread
GROUPS, GROUP = 5, 5
WRONG = "this recovery code is not valid: a code works once, and a new one replaces the old"


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
    commenter = session.exec(select(Commenter)
                             .where(Commenter.recovery_hash == code_hash(code))).first()
    if commenter is None:
        raise Unauthorized(WRONG)
    token, fresh = secrets.token_urlsafe(32), new_code()
    commenter.token_hash, commenter.recovery_hash = token_hash(token), code_hash(fresh)
    session.add(commenter)
    session.commit()
    nics = session.exec(select(Nic.nic).where(Nic.commenter_id == commenter.id)
                        .order_by(col(Nic.created_at))).all()
    return commenter, list(nics), token, fresh
