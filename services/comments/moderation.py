"""Use cases of editors: hide, restore, delete, approve and reject comments, dismiss readers'
reports; ban commenters. Hiding or restoring a comment closes its reports too: an editor
decided. Each takes the editor's nic as `by` and records what it did in the audit (audit.py),
in the same transaction."""

from collections.abc import Iterable
from typing import Literal

from sqlmodel import Session, col, select

from services.comments.audit import AuditAction, record
from services.comments.changes import make_public, take_down
from services.comments.flagging import close_flags
from services.comments.models import Comment, Commenter, CommentStatus, EditorReplica, Nic
from services.comments.nics import stored_nic_keys
from shared.errors import BurgError, Conflict, NotFound, Unauthorized
from shared.events import CommentRestored, editor_token_hash
from shared.outbox import Outbox


def authenticate_editor(*, session: Session, token: str | None) -> EditorReplica:
    """The editor holding `token` (the posts service's editors, learned from its events)."""
    if not token:
        raise Unauthorized("an editor token is required (Authorization: Bearer <token>)")
    editor = session.exec(select(EditorReplica)
                          .where(EditorReplica.token_hash == editor_token_hash(token))).first()
    if editor is None or editor.revoked:
        raise Unauthorized("the editor token is not valid")
    return editor


def hide(*, session: Session, outbox: Outbox, comment_id: int,
         by: str | None = None) -> Comment:
    """Take a comment out of public view (it can be restored); `comment.removed`."""
    comment = _get(session, comment_id)
    take_down(session, outbox, comment, CommentStatus.hidden)
    close_flags(session, comment_id)
    record(session, by, AuditAction.hide, comment=comment)
    session.commit()
    return comment


def restore(*, session: Session, outbox: Outbox, comment_id: int,
            by: str | None = None) -> Comment:
    """Show a hidden comment again; `comment.restored`."""
    comment = _get(session, comment_id)
    if comment.status not in (CommentStatus.hidden, CommentStatus.visible):
        raise Conflict(f"only a hidden comment can be restored; this one is {comment.status}")
    make_public(session, outbox, comment, event=CommentRestored)
    close_flags(session, comment_id)
    record(session, by, AuditAction.restore, comment=comment)
    session.commit()
    return comment


def delete(*, session: Session, outbox: Outbox, comment_id: int,
           by: str | None = None) -> None:
    """Delete any comment for good; `comment.removed` if it was public."""
    comment = _get(session, comment_id)
    take_down(session, outbox, comment, CommentStatus.deleted)
    record(session, by, AuditAction.delete, comment=comment)
    session.commit()


def reject(*, session: Session, outbox: Outbox, comment_id: int, by: str | None = None) -> None:
    """Delete a comment that waits for approval instead of approving it (409 for any other:
    a public one is hidden or deleted, so that the audit says which)."""
    comment = _get(session, comment_id)
    if comment.status != CommentStatus.pending:
        raise Conflict(f"only a waiting comment can be rejected; this one is {comment.status}")
    take_down(session, outbox, comment, CommentStatus.deleted)
    record(session, by, AuditAction.reject, comment=comment)
    session.commit()


def approve(*, session: Session, outbox: Outbox, comment_id: int,
            by: str | None = None) -> Comment:
    """Make a waiting comment public (`comment.created`, so only now can it lead to a reply
    e-mail); its author's later comments need no approval."""
    comment = _get(session, comment_id)
    if comment.status not in (CommentStatus.pending, CommentStatus.visible):
        raise Conflict(f"only a waiting comment can be approved; this one is {comment.status}")
    commenter = session.get_one(Commenter, comment.commenter_id)
    commenter.approved = True
    session.add(commenter)
    make_public(session, outbox, comment)
    record(session, by, AuditAction.approve, comment=comment)
    session.commit()
    return comment


def dismiss_flags(*, session: Session, comment_id: int, by: str | None = None) -> Comment:
    """Leave a reported comment as it is (shown, or held for its reports): its reports are
    closed, out of the flagged list, and count toward no hold."""
    comment = _get(session, comment_id)
    close_flags(session, comment_id)
    record(session, by, AuditAction.dismiss_flags, comment=comment)
    session.commit()
    return comment


# What an editor may do to many comments at once (`act_on_many`): the queue's bulk actions.
BatchActionName = Literal["approve", "reject", "hide", "restore", "delete", "dismiss-flags"]


def act_on_many(*, session: Session, outbox: Outbox, action: BatchActionName,
                comment_ids: Iterable[int], by: str | None = None
                ) -> tuple[list[int], list[tuple[int, BurgError]]]:
    """One of `BatchActionName` on each comment in turn, each in its own transaction as if asked
    one at a time, so a comment that cannot take it (gone, or not waiting) spoils none of the
    others: (the ids done, the ids refused with why), each id once, in the order given."""
    done: list[int] = []
    refused: list[tuple[int, BurgError]] = []
    for comment_id in dict.fromkeys(comment_ids):
        try:
            if action == "dismiss-flags":
                dismiss_flags(session=session, comment_id=comment_id, by=by)
            else:
                _ONE[action](session=session, outbox=outbox, comment_id=comment_id, by=by)
        except (NotFound, Conflict) as exc:
            session.rollback()
            refused.append((comment_id, exc))
        else:
            done.append(comment_id)
    return done, refused


_ONE = {"approve": approve, "reject": reject, "hide": hide, "restore": restore, "delete": delete}


def waiting(*, session: Session, article_id: int | None = None, limit: int = 100
            ) -> list[Comment]:
    """Comments that wait for approval (on one article, or anywhere), oldest first."""
    return _with_status(session, CommentStatus.pending, article_id, limit)


def hidden(*, session: Session, article_id: int | None = None, limit: int = 100
           ) -> list[Comment]:
    """Comments an editor hid (on one article, or anywhere), oldest first: what can be
    restored."""
    return _with_status(session, CommentStatus.hidden, article_id, limit)


def _with_status(session: Session, status: CommentStatus, article_id: int | None,
                 limit: int) -> list[Comment]:
    query = select(Comment).where(Comment.status == status)
    if article_id is not None:
        query = query.where(Comment.article_id == article_id)
    return list(session.exec(query.order_by(col(Comment.id)).limit(limit)).all())


def set_banned(*, session: Session, nic: str, banned: bool, by: str | None = None) -> None:
    """Ban (or unban) the commenter who owns `nic`, under all their nics."""
    owner = session.get(Nic, stored_nic_keys(nic).key)
    if owner is None:
        raise NotFound(f"no commenter uses the nic {nic!r}")
    commenter = session.get_one(Commenter, owner.commenter_id)
    commenter.banned = banned
    session.add(commenter)
    record(session, by, AuditAction.ban if banned else AuditAction.unban, nic=owner.nic)
    session.commit()


def banned(*, session: Session, limit: int = 500) -> list[tuple[Commenter, list[str]]]:
    """The banned commenters, by their original nic, each with every nic they use."""
    found = list(session.exec(select(Commenter).where(col(Commenter.banned))
                              .order_by(col(Commenter.original_nic)).limit(limit)))
    nics: dict[int, list[str]] = {c.id: [] for c in found if c.id is not None}
    for nic in session.exec(select(Nic).where(col(Nic.commenter_id).in_(nics))
                            .order_by(col(Nic.created_at))):
        nics[nic.commenter_id].append(nic.nic)
    return [(c, nics.get(c.id or 0, [])) for c in found]


def _get(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None or comment.status == CommentStatus.deleted:
        raise NotFound(f"no comment {comment_id}")
    return comment
