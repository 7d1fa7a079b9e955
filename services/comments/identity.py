"""Commenters and their nics: a secret token is a commenter; a nic is its first user's."""

import hashlib
import secrets

from sqlmodel import Session, col, select

from services.comments.models import Commenter, CommenterPublic, Nic
from shared.errors import Conflict, Forbidden, Unauthorized


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def commenter_for(session: Session, token: str | None, nic: str) -> tuple[Commenter, str | None]:
    """The commenter holding `token`, or a new one (with its new token) whose first nic is
    `nic`; a banned commenter is refused."""
    if token:
        commenter = require(session, token)
        if commenter.banned:
            raise Forbidden("this commenter is banned from commenting")
        return commenter, None
    new_token = secrets.token_urlsafe(32)
    commenter = Commenter(token_hash=token_hash(new_token), original_nic=nic)
    session.add(commenter)
    session.flush()
    return commenter, new_token


def require(session: Session, token: str | None) -> Commenter:
    """The commenter holding `token`; Unauthorized without a valid one."""
    if not token:
        raise Unauthorized("a commenter token is required (X-Commenter-Token)")
    commenter = session.exec(select(Commenter)
                             .where(Commenter.token_hash == token_hash(token))).first()
    if commenter is None:
        raise Unauthorized("the commenter token is not valid")
    return commenter


def claim_nic(session: Session, nic: str, commenter: Commenter) -> None:
    """Let `commenter` use `nic`: theirs already, or free (then it becomes theirs)."""
    owner = session.get(Nic, nic.casefold())
    if owner is None:
        assert commenter.id is not None
        session.add(Nic(key=nic.casefold(), nic=nic, commenter_id=commenter.id))
    elif owner.commenter_id != commenter.id:
        raise Conflict(f"the nic {nic!r} belongs to another commenter")


def profile(*, session: Session, token: str | None) -> CommenterPublic:
    """What a commenter knows of themselves: how often they commented, and their nics."""
    commenter = require(session, token)
    nics = session.exec(select(Nic.nic).where(Nic.commenter_id == commenter.id)
                        .order_by(col(Nic.created_at))).all()
    return CommenterPublic(comment_count=commenter.comment_count,
                           original_nic=commenter.original_nic, nics=list(nics))
