"""Forget a commenter: all their comments go for good, and notify stops all e-mail to them.

An erasure, not an edit: it reaches every comment the commenter ever wrote, whatever its
status, outside the edit window too, and for a banned commenter as well. Each comment that was
public goes as an editor's delete does (`changes.take_down`: the count and `comment.removed`,
so feeds, search and the site-wide lists drop it); its text and website are blanked (those of
one deleted before too), since a deleted comment is never shown again (a thread shows a
placeholder without them). Then one `commenter.forgotten` tells notify to drop the
commenter's subscriptions and the e-mail that waits for them.

The commenter row, their token and their nics stay: the same person may comment again under
the same nics (their count starts from zero), and may ask to be forgotten again, which finds
nothing more to delete and tells notify again (a no-op there too).
"""

from sqlmodel import Session, col, select

from services.comments.audit import AuditAction, record
from services.comments.changes import take_down
from services.comments.flagging import close_flags
from services.comments.models import Comment, Commenter, CommentStatus, Nic
from services.comments.nics import stored_nic_keys
from shared.errors import NotFound
from shared.events import CommenterForgotten
from shared.outbox import Outbox


def forget(*, session: Session, outbox: Outbox, commenter: Commenter,
           by: str | None = None) -> int:
    """Delete every comment of `commenter` and emit `commenter.forgotten`; how many comments
    were deleted (those deleted before are not counted again). `by`: the editor who did it
    (in the moderation audit), None for the commenter themselves."""
    assert commenter.id is not None
    deleted = 0
    for comment in session.exec(select(Comment).where(Comment.commenter_id == commenter.id)
                                .order_by(col(Comment.id))).all():
        if comment.status != CommentStatus.deleted:
            take_down(session, outbox, comment, CommentStatus.deleted)
            assert comment.id is not None
            close_flags(session, comment.id)  # nothing left for the editors to decide
            deleted += 1
        if comment.body or comment.body_html or comment.website:  # deleted before: blank too
            comment.body, comment.body_html, comment.website = "", "", None
            session.add(comment)
    commenter.comment_count = 0
    session.add(commenter)
    outbox.add(session, CommenterForgotten(commenter_id=commenter.id))
    record(session, by, AuditAction.forget, nic=commenter.original_nic)
    session.commit()
    return deleted


def owner_of(*, session: Session, nic: str) -> Commenter:
    """The commenter who holds `nic` (or one that compares equal); NotFound if no one does."""
    owner = session.get(Nic, stored_nic_keys(nic).key)
    if owner is None:
        raise NotFound(f"no commenter uses the nic {nic!r}")
    return session.get_one(Commenter, owner.commenter_id)
