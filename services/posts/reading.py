"""Reads of the posts service: an article, and lists of published ones with cursor paging
(numbered pages and neighbours: browsing.py; periods: archive.py)."""

import re
from datetime import UTC, datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from services.posts.categories import get_category
from services.posts.models import (
    Article,
    ArticleDraft,
    ArticlePublic,
    ArticleStatus,
    Category,
    CategoryPublic,
)
from services.posts.settings import PostsSettings
from shared.api import MAX_ID, cursor_of, position_of
from shared.errors import BurgError, Invalid, NotFound
from shared.events import as_utc, utcnow
from shared.markup import summary as markup_summary


def get_article(*, session: Session, article_id: int) -> Article:
    """An article by id, whatever its status (the editors' view)."""
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    return article


class Retracted(BurgError):
    """The article was published and then withdrawn: gone for good, and since when (a page
    says so instead of "no such page")."""

    status = 410

    def __init__(self, slug: str, retracted_at: datetime) -> None:
        super().__init__(f"the article {slug!r} was retracted")
        self.retracted_at = retracted_at


def get_published_article(*, session: Session, slug: str) -> Article:
    """A published article by slug; NotFound for drafts or unknown slugs, Retracted (410) for
    a retracted one."""
    article = session.exec(select(Article).where(Article.slug == slug)).first()
    if article is not None and article.status == ArticleStatus.retracted:
        # Retracting is the last change an article can have: its update time is that moment.
        raise Retracted(slug, as_utc(article.updated_at))
    if article is None or article.status != ArticleStatus.published:
        raise NotFound(f"no published article {slug!r}")
    return article


def list_published(*, session: Session, category: str | None, limit: int,
                   cursor: str | None) -> tuple[list[Article], str | None]:
    """Published articles, newest first, optionally of one category (by slug).

    The cursor names the last article of the previous page, so articles published meanwhile
    neither repeat nor shift anything on the following pages.
    """
    query = select(Article).where(Article.status == ArticleStatus.published)
    if category is not None:
        query = query.where(Article.category_id == get_category(session=session,
                                                                slug=category).id)
    if cursor is not None:
        published_at, article_id = _decode(cursor)
        query = query.where(or_(col(Article.published_at) < published_at,
                                and_(col(Article.published_at) == published_at,
                                     col(Article.id) < article_id)))
    query = query.order_by(col(Article.published_at).desc(), col(Article.id).desc())
    page = list(session.exec(query.limit(limit + 1)).all())
    next_cursor = _encode(page[limit - 1]) if len(page) > limit else None
    return page[:limit], next_cursor


def article_url(settings: PostsSettings, article: Article) -> str:
    """Where readers find the article's page."""
    return f"{settings.site_url.rstrip('/')}/articles/{article.slug}"


def to_public(session: Session, article: Article, settings: PostsSettings) -> ArticlePublic:
    """The public shape of an article, with its category."""
    return ArticlePublic.model_validate(article, update=_derived(session, article, settings))


def to_draft(session: Session, article: Article, settings: PostsSettings) -> ArticleDraft:
    """The editors' shape of an article: the public one plus its markup."""
    return ArticleDraft.model_validate(article, update=_derived(session, article, settings))


def comments_open(article: Article) -> bool:
    """Whether readers may comment: published, and before the closing time."""
    close_at = article.comments_close_at
    return (article.status == ArticleStatus.published and close_at is not None
            and close_at > utcnow())


def summary(body: str, limit: int = 300) -> str:
    """The article's opening words as plain text (from the parsed body: no markup, no quote
    marks, one line), cut at a word boundary near `limit` characters."""
    return markup_summary(body, limit, commentary=True)


def _derived(session: Session, article: Article, settings: PostsSettings) -> dict[str, object]:
    category = session.get_one(Category, article.category_id)
    return {"url": article_url(settings, article), "comments_open": comments_open(article),
            "category": CategoryPublic.model_validate(category), "summary": summary(article.body)}


def _encode(article: Article) -> str:
    assert article.published_at is not None
    raw = f"{article.published_at.isoformat()}|{article.id}"
    return cursor_of(raw)


def _decode(cursor: str) -> tuple[datetime, int]:
    # Only what _encode makes gets through: an id the database can hold (a larger one made
    # the driver raise OverflowError, a 500) and a moment with its offset.
    try:
        moment, article_id = position_of(cursor).split("|")
        if _ID.fullmatch(article_id) and 1 <= int(article_id) <= MAX_ID:
            # In UTC, as stored: another offset near year 1 or 9999 overflows here, not in
            # the database driver.
            return as_utc(datetime.fromisoformat(moment)).astimezone(UTC), int(article_id)
    except (ValueError, OverflowError):
        pass
    raise Invalid("cursor: not a cursor this API handed out")


_ID = re.compile(r"[0-9]{1,10}")
