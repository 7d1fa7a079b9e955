"""Reading threads: a page of comments in thread order, and one comment."""

import base64
import binascii
import re
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from services.comments.models import (
    ArticleReplica,
    Comment,
    Commenter,
    CommentPublic,
    CommentStatus,
    ThreadPublic,
)
from shared.errors import Invalid, NotFound
from shared.events import as_utc, utcnow


def get_thread(*, session: Session, article_id: int, viewer: Commenter | None,
               cursor: str | None, limit: int) -> ThreadPublic:
    """A page of an article's comments in thread order (each reply after its parent).

    A page costs the same however long the thread: it is one range of the (article, path)
    index. A viewer also sees their own comments that wait for approval.
    """
    article = _readable_article(session, article_id)
    query = select(Comment).where(Comment.article_id == article_id, _visible_to(viewer))
    if cursor is not None:
        query = query.where(col(Comment.path) > _decode(cursor))
    page = list(session.exec(query.order_by(col(Comment.path)).limit(limit + 1)).all())
    next_cursor = _encode(page[limit - 1].path) if len(page) > limit else None
    return ThreadPublic(article_id=article_id, open=is_open(article),
                        closes_at=article.comments_close_at, count=article.comment_count,
                        next_cursor=next_cursor,
                        comments=[CommentPublic.model_validate(c) for c in page[:limit]])


def get_comment(*, session: Session, comment_id: int, viewer: Commenter | None) -> Comment:
    """One public comment (or the viewer's own waiting one); NotFound otherwise."""
    comment = session.get(Comment, comment_id)
    if comment is None or not _can_see(comment, viewer):
        raise NotFound(f"no comment {comment_id}")
    _readable_article(session, comment.article_id)
    return comment


def is_open(article: ArticleReplica) -> bool:
    """Whether the article takes comments now (not retracted, not past its closing time)."""
    close_at = article.comments_close_at
    return not article.retracted and (close_at is None or as_utc(close_at) > utcnow())


def seconds_until(moment: datetime | None) -> float | None:
    """Seconds from now until `moment` (negative once past); None for no moment."""
    return None if moment is None else (as_utc(moment) - utcnow()).total_seconds()


def _readable_article(session: Session, article_id: int) -> ArticleReplica:
    article = session.get(ArticleReplica, article_id)
    if article is None or article.retracted:
        raise NotFound(f"no article {article_id}")
    return article


def _visible_to(viewer: Commenter | None) -> ColumnElement[bool]:
    public = col(Comment.status) == CommentStatus.visible
    if viewer is None:
        return public
    return or_(public, and_(col(Comment.status) == CommentStatus.pending,
                            col(Comment.commenter_id) == viewer.id))


def _can_see(comment: Comment, viewer: Commenter | None) -> bool:
    return comment.status == CommentStatus.visible or (
        comment.status == CommentStatus.pending and viewer is not None
        and comment.commenter_id == viewer.id)


def _encode(path: str) -> str:
    return base64.urlsafe_b64encode(path.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        path = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        path = ""
    if not _PATH.fullmatch(path):
        raise Invalid("cursor: not a cursor this API handed out")
    return path


_PATH = re.compile(r"[0-9a-f]{8}(/[0-9a-f]{8})*")
