"""Commenters and their nics: a secret token is a commenter; a nic is its first user's."""

import hashlib
import secrets

from sqlalchemy import or_
from sqlmodel import Session, col, select

from services.comments.models import Commenter, CommenterPublic, EditorReplica, Nic
from services.comments.nics import NicKeys, nic_keys, stored_nic_keys
from shared.errors import Conflict, Forbidden, Unauthorized


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def commenter_for(session: Session, token: str | None, nic: str) -> tuple[Commenter, str | None]:
    """The commenter holding `token`, or a new one (with its new token) whose first nic is
    `nic`; a banned commenter is refused."""
    if token:
        return not_banned(require(session, token)), None
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


def not_banned(commenter: Commenter) -> Commenter:
    """`commenter`, unless banned (Forbidden): a banned commenter neither posts nor edits."""
    if commenter.banned:
        raise Forbidden("this commenter is banned from commenting")
    return commenter


def claim_nic(session: Session, nic: str, commenter: Commenter) -> None:
    """Let `commenter` use `nic`: theirs already (or like one of theirs), or free (then it
    becomes theirs). A nic that is, or looks like, another commenter's or an editor's is a
    Conflict."""
    keys = nic_keys(nic)
    editor = editor_like(session, keys)
    if editor is not None:
        raise Conflict(f"the nic {nic!r} is an editor's" if editor == nic else
                       f"the nic {nic!r} looks too much like {editor!r}, an editor's")
    holders = session.exec(select(Nic).where(or_(
        col(Nic.key) == keys.key, col(Nic.skeleton) == keys.skeleton,
        col(Nic.skeleton_cased) == keys.skeleton_cased))).all()
    for holder in holders:
        if holder.commenter_id != commenter.id:
            raise Conflict(f"the nic {nic!r} belongs to another commenter"
                           if holder.key == keys.key else
                           f"the nic {nic!r} looks too much like {holder.nic!r}, another "
                           "commenter's")
    if not holders:  # one like it is theirs already: it stands for this one too
        assert commenter.id is not None
        session.add(Nic(key=keys.key, nic=nic, commenter_id=commenter.id,
                        skeleton=keys.skeleton, skeleton_cased=keys.skeleton_cased))


def editor_like(session: Session, keys: NicKeys) -> str | None:
    """The editor's nic that `keys` are (or look like), if any: editors' nics are theirs."""
    for editor in session.exec(select(EditorReplica.nic)).all():
        if any(mine == theirs for mine, theirs in zip(keys, stored_nic_keys(editor),
                                                         strict=True)):
            return editor
    return None


def profile(*, session: Session, token: str | None) -> CommenterPublic:
    """What a commenter knows of themselves: how often they commented, and their nics."""
    commenter = require(session, token)
    nics = session.exec(select(Nic.nic).where(Nic.commenter_id == commenter.id)
                        .order_by(col(Nic.created_at))).all()
    return CommenterPublic(comment_count=commenter.comment_count,
                           original_nic=commenter.original_nic, nics=list(nics))
