"""Reading threads: a page of comments in thread order, where a comment is in it, and one
comment."""

import re
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from services.comments.models import (
    MAX_DEPTH,
    ArticleReplica,
    Comment,
    Commenter,
    CommentPlace,
    CommentPublic,
    CommentStatus,
    ThreadPublic,
)
from shared.api import cursor_of, position_of
from shared.errors import Invalid, NotFound
from shared.events import utcnow


def get_thread(*, session: Session, article_id: int, viewer: Commenter | None,
               cursor: str | None, limit: int, before: str | None = None) -> ThreadPublic:
    """A page of an article's comments in thread order (each reply after its parent).

    The page after `cursor` (a `next_cursor`), or the one before `before` (a
    `previous_cursor`), or the first. A page costs the same however long the thread: it is
    one range of the (article, path) index. A viewer also sees their own comments that wait
    for approval. A comment the viewer cannot see but with replies they can is a placeholder
    (`removed`), so that its replies keep their place; one without such replies is left out.
    """
    article = _readable_article(session, article_id)
    if cursor is not None and before is not None:
        raise Invalid("cursor, before: give one of them, not both")
    shown = select(Comment).where(Comment.article_id == article_id, _shown(viewer))
    if before is not None:
        start = _position(session, article_id, before, "before")
        rows = list(session.exec(shown.where(col(Comment.path) < start)
                                 .order_by(col(Comment.path).desc()).limit(limit + 1)).all())
        page, more_before = rows[:limit][::-1], len(rows) > limit
        more_after = bool(page) and _any(session, shown, col(Comment.path) > page[-1].path)
    else:
        query = shown if cursor is None else shown.where(
            col(Comment.path) > _position(session, article_id, cursor, "cursor"))
        rows = list(session.exec(query.order_by(col(Comment.path)).limit(limit + 1)).all())
        page, more_after = rows[:limit], len(rows) > limit
        more_before = bool(page) and cursor is not None and _any(
            session, shown, col(Comment.path) < page[0].path)
    return ThreadPublic(article_id=article_id, open=is_open(article),
                        closes_at=article.comments_close_at, count=article.comment_count,
                        next_cursor=cursor_of(page[-1].path) if more_after else None,
                        previous_cursor=cursor_of(page[0].path) if more_before else None,
                        comments=[_public(c, viewer) for c in page])


def place(*, session: Session, comment_id: int, viewer: Commenter | None,
          limit: int) -> CommentPlace:
    """Which page of `limit` holds the comment: the cursor that opens it (None for the first),
    the page one reaches by following `next_cursor` from the first. NotFound for a comment
    that is not shown in its thread (unknown, removed with no visible reply, another's
    waiting one) or whose article is gone."""
    comment = session.get(Comment, comment_id)
    missing = NotFound(f"no comment {comment_id}")
    if comment is None:
        raise missing
    article = _readable_article(session, comment.article_id)
    shown = _shown(viewer)
    in_thread = (col(Comment.article_id) == comment.article_id, shown)
    if session.exec(select(Comment.id).where(col(Comment.id) == comment_id, *in_thread)
                    ).first() is None:
        raise missing
    before = session.exec(select(func.count()).select_from(Comment).where(
        *in_thread, col(Comment.path) < comment.path)).one()
    start = before // limit * limit
    cursor = None
    if start:  # the page opens after the last comment of the page before it
        cursor = cursor_of(session.exec(select(Comment.path).where(*in_thread).order_by(
            col(Comment.path)).offset(start - 1).limit(1)).one())
    return CommentPlace(comment_id=comment_id, article_id=comment.article_id,
                        article_slug=article.slug, article_url=article.url, cursor=cursor,
                        limit=limit, removed=not _can_see(comment, viewer))


def get_comment(*, session: Session, comment_id: int, viewer: Commenter | None) -> Comment:
    """One public comment (or the viewer's own waiting one); NotFound otherwise."""
    comment = session.get(Comment, comment_id)
    if comment is None or not _can_see(comment, viewer):
        raise NotFound(f"no comment {comment_id}")
    _readable_article(session, comment.article_id)
    return comment


class Closing(Protocol):
    """An article as far as taking comments goes: a replica, or a row of its columns."""

    retracted: bool
    comments_close_at: datetime | None


def counts(*, session: Session, article_ids: list[int]) -> dict[str, int]:
    """The public comment count of each of `article_ids` this service knows (by id, as
    text), as each thread's page counts them."""
    rows = session.exec(select(ArticleReplica.article_id, ArticleReplica.comment_count).where(
        col(ArticleReplica.article_id).in_(sorted(set(article_ids)))))
    return {str(article_id): count for article_id, count in rows}


def is_open(article: Closing) -> bool:
    """Whether the article takes comments now (not retracted, not past its closing time)."""
    close_at = article.comments_close_at
    return not article.retracted and (close_at is None or close_at > utcnow())


def seconds_until(moment: datetime | None) -> float | None:
    """Seconds from now until `moment` (negative once past); None for no moment."""
    return None if moment is None else (moment - utcnow()).total_seconds()


def _readable_article(session: Session, article_id: int) -> ArticleReplica:
    article = session.get(ArticleReplica, article_id)
    if article is None or article.retracted:
        raise NotFound(f"no article {article_id}")
    return article


def _visible_to(viewer: Commenter | None, table: Any = Comment) -> ColumnElement[bool]:
    public = table.status == CommentStatus.visible
    if viewer is None:
        return public
    return or_(public, and_(table.status == CommentStatus.pending,
                            table.commenter_id == viewer.id))


def _shown(viewer: Commenter | None) -> ColumnElement[bool]:
    """Comments a thread shows the viewer: those they can see, and placeholders for those
    they cannot see that have a reply (at any depth) they can."""
    reply = aliased(Comment)
    # A comment's replies are the paths below its own: from "<path>/" up to "<path>0"
    # ("0" follows "/"), one range of the (article, path) index.
    seen_reply = exists().where(col(reply.article_id) == col(Comment.article_id),
                                reply.path > col(Comment.path) + "/",
                                reply.path < col(Comment.path) + "0",
                                _visible_to(viewer, reply))
    return or_(_visible_to(viewer), seen_reply)


def shown_to_anyone() -> ColumnElement[bool]:
    """Comments the thread shows any reader: the public ones, and placeholders for those
    taken down that have a public reply (an export keeps the threads as readers see them)."""
    return _shown(None)


def _any(session: Session, query: Any, condition: ColumnElement[bool]) -> bool:
    return session.exec(query.where(condition).limit(1)).first() is not None


def _public(comment: Comment, viewer: Commenter | None) -> CommentPublic:
    if _can_see(comment, viewer):
        return CommentPublic.model_validate(comment)
    assert comment.id is not None
    return CommentPublic(id=comment.id, article_id=comment.article_id,
                         parent_id=comment.parent_id, depth=comment.depth,
                         number=comment.number, nic="",
                         website=None, body_html="", created_at=comment.created_at,
                         edited_at=None, status=CommentStatus.removed, removed=True)


def _can_see(comment: Comment, viewer: Commenter | None) -> bool:
    return comment.status == CommentStatus.visible or (
        comment.status == CommentStatus.pending and viewer is not None
        and comment.commenter_id == viewer.id)


def _position(session: Session, article_id: int, cursor: str, name: str) -> str:
    """The path a cursor names, if it is a comment's place in this article's thread (any
    comment: one removed since keeps its place). Anything else is refused, so that the pages
    a reader can ask for, and the API processes keep (pages.py), are pages that exist."""
    path = position_of(cursor)
    if not _PATH.fullmatch(path) or session.exec(select(Comment.id).where(
            Comment.article_id == article_id, Comment.path == path).limit(1)).first() is None:
        raise Invalid(f"{name}: not a cursor this API handed out for this thread")
    return path


_PATH = re.compile(rf"[0-9a-f]{{8}}(/[0-9a-f]{{8}}){{0,{MAX_DEPTH}}}")
