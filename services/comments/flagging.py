"""Use cases of reports: a reader flags a comment; editors list the reported comments and
close their flags (moderation.py: dismiss, hide, restore).

A comment reported by `hold_after_flags` distinct readers is held: hidden exactly as an editor
hides it (`changes.take_down`: the count, `comment.removed`, so its consumers drop it) and
left in the editors' list with its flags until one of them decides. Readers are distinct by
commenter and by address alike (the smaller of the two counts): one person with many commenter
tokens, or many people behind one address, count once toward the hold.
"""

import hashlib
from collections import OrderedDict

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.comments import identity, threads
from services.comments.changes import take_down
from services.comments.flag_models import (
    CommentFlag,
    FlagCreate,
    FlaggedComment,
    FlagReason,
    FlagReceipt,
)
from services.comments.limits import PostingLimits
from services.comments.models import Comment, CommentPublic, CommentStatus
from services.comments.settings import CommentsSettings
from shared.errors import Conflict
from shared.events import utcnow
from shared.outbox import Outbox

OWN = "this is your own comment: edit or delete it instead of reporting it"
REASONS_SHOWN = 20
FLAGS_READ = 5000  # open flags read for one list: the newest, far more than a list shows


def address_hash(comment_id: int, client: str) -> str:
    """The reader's address as stored with a flag: hashed with the comment's id, so that no
    two comments' flags can be matched to one address."""
    return hashlib.sha256(f"burg-flag:{comment_id}:{client}".encode()).hexdigest()


def flag(*, session: Session, outbox: Outbox, settings: CommentsSettings, comment_id: int,
         data: FlagCreate, token: str | None, client: str,
         limits: PostingLimits | None = None) -> FlagReceipt:
    """Report a public comment as the reader at `client` (the commenter holding `token`, if
    any), counted against `limits`; `counted` is False for a reader's repeat. NotFound for a
    comment the thread does not show; Conflict for one's own comment; Unauthorized for a
    token that is no commenter's."""
    if limits is not None:
        limits.count_flag(client, token)
    commenter = identity.not_banned(identity.require(session, token)) if token else None
    comment = threads.get_comment(session=session, comment_id=comment_id, viewer=None)
    if commenter is not None and comment.commenter_id == commenter.id:
        raise Conflict(OWN)
    hashed = address_hash(comment_id, client)
    reader = f"commenter:{commenter.id}" if commenter else f"address:{hashed}"
    if session.exec(select(CommentFlag.id).where(CommentFlag.comment_id == comment_id,
                                                 CommentFlag.reader == reader)).first():
        return FlagReceipt(comment_id=comment_id, counted=False)
    session.add(CommentFlag(comment_id=comment_id, article_id=comment.article_id,
                            reader=reader, address_hash=hashed, reason=data.reason))
    try:
        session.flush()
    except IntegrityError:  # the same reader's report, committed a moment ago
        session.rollback()
        return FlagReceipt(comment_id=comment_id, counted=False)
    hold_after = settings.hold_after_flags
    if hold_after > 0 and open_readers(session, comment_id) >= hold_after:
        take_down(session, outbox, comment, CommentStatus.hidden)
    session.commit()
    return FlagReceipt(comment_id=comment_id, counted=True)


def open_readers(session: Session, comment_id: int) -> int:
    """Distinct readers of the comment's open flags, by commenter and by address alike."""
    readers, addresses = session.exec(
        select(func.count(func.distinct(CommentFlag.reader)),
               func.count(func.distinct(CommentFlag.address_hash)))
        .where(CommentFlag.comment_id == comment_id, col(CommentFlag.dismissed_at).is_(None))
    ).one()
    return min(int(readers), int(addresses))


def flagged(*, session: Session, article_id: int | None = None, limit: int = 100
            ) -> list[FlaggedComment]:
    """Comments with open flags (on one article, or anywhere), the most recently reported
    first, with how many readers reported them and why."""
    query = select(CommentFlag).where(col(CommentFlag.dismissed_at).is_(None))
    if article_id is not None:
        query = query.where(CommentFlag.article_id == article_id)
    by_comment: OrderedDict[int, list[CommentFlag]] = OrderedDict()
    for row in session.exec(query.order_by(col(CommentFlag.created_at).desc(),
                                           col(CommentFlag.id).desc()).limit(FLAGS_READ)):
        by_comment.setdefault(row.comment_id, []).append(row)
    comments = {c.id: c for c in session.exec(select(Comment).where(
        col(Comment.id).in_(list(by_comment)), Comment.status != CommentStatus.deleted))}
    return [FlaggedComment(
        comment=CommentPublic.model_validate(comments[comment_id]), flags=len(flags),
        last_flagged_at=flags[0].created_at,
        reasons=[FlagReason(reason=f.reason, created_at=f.created_at)
                 for f in flags if f.reason][:REASONS_SHOWN])
        for comment_id, flags in by_comment.items() if comment_id in comments][:limit]


def close_flags(session: Session, comment_id: int) -> None:
    """Close the comment's open flags (an editor dealt with it), in the caller's
    transaction."""
    session.connection().execute(update(CommentFlag).where(
        col(CommentFlag.comment_id) == comment_id, col(CommentFlag.dismissed_at).is_(None)
    ).values(dismissed_at=utcnow()))
