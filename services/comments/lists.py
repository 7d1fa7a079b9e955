"""Site-wide lists of comments: the newest across the site, and one nic's, newest first.

Both show public comments only: no hidden, deleted or waiting one, none by a banned commenter,
none on a retracted article. The API keeps their pages as bytes (pages.py) under the version
every change of a comment, an article replica or a commenter raises (pages.SITE_WIDE), so reading
them costs no database work until something changes.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from services.comments.models import ArticleReplica, Comment, Commenter, CommentStatus, Nic
from services.comments.nics import stored_nic_keys
from shared.errors import NotFound

MAX_RECENT_PAGES = 50  # the newest comments are the newest: older ones are on nic pages


class CommentListed(SQLModel):
    """A public comment out of its thread, with its article's title and address."""

    id: int
    article_id: int
    number: int
    nic: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    article_title: str
    article_slug: str
    article_url: str


class RecentPublic(SQLModel):
    """A page of the newest public comments across the site."""

    page: int
    next_page: int | None  # None: no older page
    comments: list[CommentListed]


class NicCommentsPublic(SQLModel):
    """A page of one nic's public comments, newest first, with their count and the time of
    the first."""

    nic: str  # as its holder writes it
    count: int
    since: datetime | None  # None: no public comment (any more)
    page: int
    next_page: int | None
    comments: list[CommentListed]


def recent(*, session: Session, page: int, limit: int) -> RecentPublic:
    """A page of the newest public comments across the site (page 1: the newest)."""
    rows = session.exec(_listed().order_by(col(Comment.id).desc())
                        .offset((page - 1) * limit).limit(limit + 1)).all()
    return RecentPublic(page=page, next_page=page + 1 if len(rows) > limit else None,
                        comments=[_listing(row) for row in rows[:limit]])


def nic_comments(*, session: Session, nic: str, page: int, limit: int) -> NicCommentsPublic:
    """A page of the public comments posted under `nic` (or any nic that compares equal to
    it: "ADMIN" is "admin"), newest first. NotFound for a nic nobody holds or has shown a
    comment under."""
    key = stored_nic_keys(nic).key
    owner = session.get(Nic, key)
    count, since = session.exec(
        _listed(select(func.count(), func.min(Comment.created_at))).where(
            col(Comment.nic_key) == key)).one()
    if owner is None and not count:
        raise NotFound(f"no commenter uses the nic {nic!r}")
    rows = session.exec(_listed().where(col(Comment.nic_key) == key)
                        .order_by(col(Comment.id).desc())
                        .offset((page - 1) * limit).limit(limit + 1)).all()
    shown = owner.nic if owner is not None else session.exec(
        _listed(select(Comment.nic)).where(col(Comment.nic_key) == key)
        .order_by(col(Comment.id).desc()).limit(1)).one()
    return NicCommentsPublic(nic=shown, count=count, since=since, page=page,
                             next_page=page + 1 if len(rows) > limit else None,
                             comments=[_listing(row) for row in rows[:limit]])


def _listed(query: Any = None) -> Any:
    """`query` (else the comments with their articles) over the public comments only."""
    if query is None:
        query = select(Comment, ArticleReplica.title, ArticleReplica.slug, ArticleReplica.url)
    return query.join(ArticleReplica, col(ArticleReplica.article_id) == Comment.article_id
                      ).join(Commenter, col(Commenter.id) == Comment.commenter_id).where(
        col(Comment.status) == CommentStatus.visible, col(ArticleReplica.retracted).is_(False),
        col(Commenter.banned).is_(False))


def _listing(row: Any) -> CommentListed:
    comment, title, slug, url = row
    return CommentListed(id=comment.id, article_id=comment.article_id, number=comment.number,
                         nic=comment.nic, body_html=comment.body_html,
                         created_at=comment.created_at, edited_at=comment.edited_at,
                         article_title=title, article_slug=slug, article_url=url)
