"""Use cases for the article life cycle: draft → published → (edited) → retracted.

Every change a reader could see leaves as an event, stored with the change (the outbox):
`article.published`, `article.updated` (text, category, or comments closing/reopening),
`article.retracted`. Each transition is idempotent: doing it twice emits one event.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from services.posts.categories import get_category
from services.posts.models import (
    MAX_BODY,
    Article,
    ArticleCreate,
    ArticleStatus,
    ArticleUpdate,
    Category,
    Editor,
)
from services.posts.reading import article_url, comments_open, get_article, summary
from services.posts.settings import PostsSettings
from services.posts.slugs import unique_slug
from shared.errors import Conflict, TooLarge
from shared.events import (
    ArticlePublished,
    ArticleRetracted,
    ArticleUpdated,
    as_utc,
    utcnow,
)
from shared.markup import render
from shared.outbox import Outbox


def create_article(*, session: Session, data: ArticleCreate, editor: Editor) -> Article:
    """Create a draft in an existing category; its slug is unique (suffixed -2, -3, …)."""
    _check_size(data.body)
    category = get_category(session=session, slug=data.category)
    assert category.id is not None and editor.id is not None
    article = Article(
        title=data.title, dateline=data.dateline or utcnow().date(),
        dateline_place=data.dateline_place,
        source_name=data.source_name, source_note=data.source_note,
        source_url=str(data.source_url) if data.source_url else None,
        slug=unique_slug(session, Article, data.title), category_id=category.id,
        body=data.body, body_html=render(data.body, commentary=True),
        editor_id=editor.id, posted_by=editor.nic,
    )
    session.add(article)
    try:
        session.commit()
    except IntegrityError:  # another article took the slug between our check and insert
        session.rollback()
        raise Conflict(f"the slug {article.slug!r} was taken a moment ago; try again") from None
    return article


def edit_article(*, session: Session, outbox: Outbox, settings: PostsSettings,
                 article_id: int, data: ArticleUpdate) -> Article:
    """Change an article; a published one emits `article.updated`. Its slug never changes."""
    article = get_article(session=session, article_id=article_id)
    if article.status == ArticleStatus.retracted:
        raise Conflict("a retracted article cannot be edited")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "category" in changes:
        changes["category_id"] = get_category(session=session, slug=changes.pop("category")).id
    if "body" in changes:
        _check_size(changes["body"])
        changes["body_html"] = render(changes["body"], commentary=True)
    if "source_url" in changes:
        changes["source_url"] = str(changes["source_url"])
    if "comments_close_at" in changes and article.status != ArticleStatus.published:
        raise Conflict("comments_close_at: comments close only on a published article; "
                       "publishing opens them")
    if _same_moment(article.comments_close_at, changes.get("comments_close_at")):
        del changes["comments_close_at"]
    if all(getattr(article, field) == value for field, value in changes.items()):
        return article  # nothing changes, nothing to tell
    for field, value in changes.items():
        setattr(article, field, value)
    article.updated_at = utcnow()
    session.add(article)
    if article.status == ArticleStatus.published:
        outbox.add(session, article_event(session, article, settings, ArticleUpdated))
    session.commit()
    return article


def publish_article(*, session: Session, outbox: Outbox, settings: PostsSettings,
                    article_id: int) -> Article:
    """Publish a draft: set `published_at` once, open comments, emit `article.published`."""
    article = get_article(session=session, article_id=article_id)
    if article.status == ArticleStatus.retracted:
        raise Conflict("a retracted article cannot be published again")
    now = utcnow()
    # A conditional update, so two concurrent publishes emit one event between them.
    if _transition(session, article_id, ArticleStatus.draft, status=ArticleStatus.published,
                   published_at=now, updated_at=now,
                   comments_close_at=now + timedelta(days=settings.comments_open_days)):
        session.refresh(article)
        outbox.add(session, article_event(session, article, settings, ArticlePublished))
    session.commit()
    return article


def retract_article(*, session: Session, outbox: Outbox, article_id: int) -> Article:
    """Withdraw a published article from every public read; emit `article.retracted`."""
    article = get_article(session=session, article_id=article_id)
    if article.status == ArticleStatus.draft:
        raise Conflict("only a published article can be retracted; a draft is not public")
    if _transition(session, article_id, ArticleStatus.published,
                   status=ArticleStatus.retracted, updated_at=utcnow()):
        session.refresh(article)
        category = session.get_one(Category, article.category_id)
        assert article.id is not None
        outbox.add(session, ArticleRetracted(article_id=article.id, category_slug=category.slug,
                                             retracted_at=article.updated_at))
    session.commit()
    return article


def close_comments(*, session: Session, outbox: Outbox, settings: PostsSettings,
                   article_id: int) -> Article:
    """Close the article's comments now (no error if they are closed already)."""
    return _set_comments(session, outbox, settings, article_id, open_=False)


def reopen_comments(*, session: Session, outbox: Outbox, settings: PostsSettings,
                    article_id: int) -> Article:
    """Open the article's comments again, for the configured number of days from now."""
    return _set_comments(session, outbox, settings, article_id, open_=True)


def article_event(session: Session, article: Article, settings: PostsSettings,
                  kind: type[ArticlePublished]) -> ArticlePublished:
    """The event (`kind`: published or updated) describing `article` as it is now."""
    category = session.get_one(Category, article.category_id)
    assert article.id is not None and article.published_at is not None
    return kind(
        article_id=article.id, slug=article.slug, url=article_url(settings, article),
        title=article.title, category_slug=category.slug, category_name=category.name,
        posted_by=article.posted_by, dateline=article.dateline or article.published_at.date(),
        summary=summary(article.body), body_html=article.body_html,
        published_at=article.published_at, updated_at=article.updated_at,
        comments_close_at=article.comments_close_at, imported_from=article.imported_from,
    )


def _set_comments(session: Session, outbox: Outbox, settings: PostsSettings, article_id: int,
                  *, open_: bool) -> Article:
    article = get_article(session=session, article_id=article_id)
    if article.status != ArticleStatus.published:
        raise Conflict("comments open and close only on a published article")
    if comments_open(article) == open_:
        return article
    now = utcnow()
    article.comments_close_at = now + timedelta(days=settings.comments_open_days) if open_ else now
    session.add(article)
    outbox.add(session, article_event(session, article, settings, ArticleUpdated))
    session.commit()
    return article


def _transition(session: Session, article_id: int, from_status: ArticleStatus,
                **values: Any) -> bool:
    """Apply `values` only if the article is still in `from_status`; True if it was."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Article).where(col(Article.id) == article_id, col(Article.status) == from_status)
        .values(**values))
    return bool(result.rowcount)


def _same_moment(stored: datetime | None, given: datetime | None) -> bool:
    """Whether a closing time given is the one stored (read back without its offset on
    SQLite): saving a form unchanged tells nobody anything."""
    return stored is not None and given is not None and as_utc(stored) == given


def _check_size(body: str) -> None:
    if len(body) > MAX_BODY:
        raise TooLarge(f"the body has {len(body)} characters; the limit is {MAX_BODY}")
