"""Commenters and their nics: a secret token is a commenter; a nic is its first user's."""

import hashlib
import secrets
from typing import NamedTuple

from sqlalchemy import Connection
from sqlmodel import Session, col, select

from services.comments import statements as sql
from services.comments.models import Commenter, CommenterPublic, Nic
from services.comments.nics import NicKeys, nic_keys, stored_nic_keys
from shared.errors import Conflict, Forbidden, Unauthorized
from shared.events import utcnow

BANNED = "this commenter is banned from commenting"


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


class Poster(NamedTuple):
    """The commenter who posts: their id, and whether pre-moderation lets them through
    already (`approved`)."""

    id: int
    approved: bool


def commenter_for(conn: Connection, token: str | None, nic: str) -> tuple[Poster, str | None]:
    """The commenter holding `token` (Unauthorized for a token that is not one), or a new one
    (with its new token) whose first nic is `nic`; a banned commenter is refused."""
    if token:
        row = sql.one(conn, sql.COMMENTER, token_hash=token_hash(token))
        if row is None:
            raise Unauthorized("the commenter token is not valid")
        if row.banned:
            raise Forbidden(BANNED)
        return Poster(row.id, row.approved), None
    new_token = secrets.token_urlsafe(32)
    commenter_id = sql.new_id(conn, sql.NEW_COMMENTER, token_hash=token_hash(new_token),
                              original_nic=nic, comment_count=0, approved=False, banned=False,
                              created_at=utcnow())
    return Poster(commenter_id, False), new_token


def let_through(conn: Connection, commenter: Poster) -> bool:
    """Whether pre-moderation lets the commenter through: approved by an editor, or with a
    comment that is public now. The second counts comments posted while pre-moderation was
    off (nothing marks those commenters approved); a comment an editor hid or deleted does
    not count. The answer is kept in `approved`, so it is looked up once."""
    if commenter.approved:
        return True
    if sql.one(conn, sql.HAS_PUBLIC, commenter_id=commenter.id) is None:
        return False
    sql.APPROVE.run(conn, {"commenter_id": commenter.id})
    return True


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
        raise Forbidden(BANNED)
    return commenter


def claim_nic(conn: Connection, nic: str, commenter_id: int) -> None:
    """Let the commenter `commenter_id` use `nic`: theirs already (or like one of theirs), or
    free (then it becomes theirs). A nic that is, or looks like, another commenter's or an
    editor's is a Conflict."""
    keys = nic_keys(nic)
    # Editors' nics and the commenters' nics like this one, in one read (a row of an
    # editor's has no commenter).
    rows = sql.NIC_CLASHES.rows(conn, keys._asdict())
    editor = editor_like([row.nic for row in rows if row.commenter_id is None], keys)
    if editor is not None:
        raise Conflict(f"the nic {nic!r} is an editor's" if editor == nic else
                       f"the nic {nic!r} looks too much like {editor!r}, an editor's")
    holders = [row for row in rows if row.commenter_id is not None]
    for holder in holders:
        if holder.commenter_id != commenter_id:
            raise Conflict(f"the nic {nic!r} belongs to another commenter"
                           if holder.key == keys.key else
                           f"the nic {nic!r} looks too much like {holder.nic!r}, another "
                           "commenter's")
    if not holders:  # one like it is theirs already: it stands for this one too
        sql.NEW_NIC.run(conn, {"nic": nic, "commenter_id": commenter_id,
                               "created_at": utcnow(), **keys._asdict()})


def editor_like(editors: list[str], keys: NicKeys) -> str | None:
    """The nic of `editors` that `keys` are (or look like), if any: editors' nics are
    theirs."""
    for editor in editors:
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
                           original_nic=commenter.original_nic, nics=list(nics),
                           has_recovery_code=commenter.recovery_hash is not None)
