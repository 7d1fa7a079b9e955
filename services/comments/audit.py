"""The moderation audit: one row for each thing an editor did to a comment or a commenter
(who, what, to which comment or nic, when), written in the same transaction as the change, so
the record and the change stand or fall together. Editors read it newest first, a page at a
time (`GET /api/comments/moderation/audit`)."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, Session, SQLModel, col, select

from services.comments.models import Comment, CommentsTable
from shared.db import stored_as_text
from shared.events import utcnow


class AuditAction(StrEnum):
    approve = "approve"
    reject = "reject"  # a waiting comment deleted instead of approved
    hide = "hide"
    restore = "restore"
    delete = "delete"
    dismiss_flags = "dismiss-flags"
    ban = "ban"
    unban = "unban"
    forget = "forget"  # every comment of the commenter deleted, their e-mail stopped


class ModerationRecord(CommentsTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    editor: str = Field(max_length=40)  # the editor's nic
    action: AuditAction = Field(sa_type=stored_as_text(AuditAction))
    comment_id: int | None = Field(default=None, index=True)
    article_id: int | None = None
    # The comment's nic (as written), or the nic a ban or unban named.
    nic: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel):
    id: int
    editor: str
    action: AuditAction
    comment_id: int | None
    article_id: int | None
    nic: str | None
    created_at: datetime


class AuditPage(SQLModel):
    data: list[AuditEntry]  # newest first
    next_before: int | None = None  # pass as `before` for the next (older) page


def record(session: Session, editor: str | None, action: AuditAction, *,
           comment: Comment | None = None, nic: str | None = None) -> None:
    """Add the record of `action` to the session (the caller commits it with the change).
    No editor (a use case called by a script or a test): nothing to record."""
    if editor is None:
        return
    session.add(ModerationRecord(
        editor=editor, action=action, comment_id=comment.id if comment else None,
        article_id=comment.article_id if comment else None,
        nic=comment.nic if comment else nic))


def page(*, session: Session, before: int | None = None, limit: int = 50) -> AuditPage:
    """The records older than `before` (an id; all for None), newest first, `limit` of them."""
    query = select(ModerationRecord)
    if before is not None:
        query = query.where(col(ModerationRecord.id) < before)
    rows = list(session.exec(query.order_by(col(ModerationRecord.id).desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(data=[AuditEntry.model_validate(row, from_attributes=True) for row in rows],
                     next_before=rows[-1].id if more and rows else None)
