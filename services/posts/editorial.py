"""Use cases of the posts service: categories and the article life cycle."""

import re
import unicodedata
from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from services.posts.markup import render_body, summarize
from services.posts.models import (
    Article,
    ArticleCreate,
    ArticlePublic,
    ArticleStatus,
    Category,
    CategoryCreate,
    CategoryPublic,
    Editor,
)
from services.posts.settings import PostsSettings
from shared.errors import Conflict, NotFound
from shared.events import ArticlePublished, utcnow
from shared.outbox import Outbox


def slugify(text: str, max_length: int = 80) -> str:
    """A URL-safe lowercase ASCII slug ("Iraq & Syria" → "iraq-syria")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")
    return slug or "item"


def _unique_slug(session: Session, model: type[Article] | type[Category], text: str) -> str:
    """`slugify(text)`, suffixed -2, -3, … until no row of `model` has it."""
    base = slugify(text)
    taken = set(session.exec(select(model.slug).where(col(model.slug).startswith(base))).all())
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_category(*, session: Session, data: CategoryCreate) -> Category:
    """Create a category; its slug comes from the name (409 if that name's slug is taken)."""
    slug = slugify(data.name)
    if session.exec(select(Category).where(Category.slug == slug)).first():
        raise Conflict(f"a category with the slug {slug!r} exists already")
    category = Category(name=data.name, description=data.description, slug=slug)
    session.add(category)
    session.commit()
    return category


def list_categories(*, session: Session) -> list[Category]:
    """All categories, by name."""
    return list(session.exec(select(Category).order_by(Category.name)).all())


def create_article(*, session: Session, data: ArticleCreate, editor: Editor) -> Article:
    """Create a draft article in an existing category; its slug is unique (suffixed -2, …)."""
    category = session.exec(select(Category).where(Category.slug == data.category)).first()
    if category is None:
        raise NotFound(f"no category {data.category!r}")
    assert category.id is not None and editor.id is not None
    article = Article(
        title=data.title, dateline=data.dateline or utcnow().date(),
        source_name=data.source_name, source_note=data.source_note,
        source_url=str(data.source_url) if data.source_url else None,
        slug=_unique_slug(session, Article, data.title), category_id=category.id,
        body=data.body, body_html=render_body(data.body),
        editor_id=editor.id, posted_by=editor.nic,
    )
    session.add(article)
    session.commit()
    return article


def publish_article(*, session: Session, outbox: Outbox, settings: PostsSettings,
                    article_id: int) -> Article:
    """Publish a draft: set `published_at` once, open comments, emit `article.published`.

    Publishing a published article again changes nothing and emits nothing.
    """
    article = _get(session, article_id)
    if article.status == ArticleStatus.retracted:
        raise Conflict("a retracted article cannot be published again")
    now = utcnow()
    # A conditional update, so two concurrent publishes emit one event between them.
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Article).where(col(Article.id) == article_id,
                              col(Article.status) == ArticleStatus.draft)
        .values(status=ArticleStatus.published, published_at=now, updated_at=now,
                comments_close_at=now + timedelta(days=settings.comments_open_days))
    )
    if result.rowcount:
        session.refresh(article)
        outbox.add(session, published_event(session, article, settings))
    session.commit()
    return article


def published_event(session: Session, article: Article,
                    settings: PostsSettings) -> ArticlePublished:
    """The `article.published` event describing `article` as it is now."""
    category = session.get_one(Category, article.category_id)
    assert article.id is not None and article.published_at is not None
    return ArticlePublished(
        article_id=article.id, slug=article.slug, url=article_url(settings, article),
        title=article.title, category_slug=category.slug, category_name=category.name,
        posted_by=article.posted_by, dateline=article.dateline or article.published_at.date(),
        summary=summarize(article.body), body_html=article.body_html,
        published_at=article.published_at, updated_at=article.updated_at,
        comments_close_at=article.comments_close_at,
    )


def get_article(*, session: Session, article_id: int) -> Article:
    """An article by id, whatever its status (editors' view)."""
    return _get(session, article_id)


def get_published_article(*, session: Session, slug: str) -> Article:
    """A published article by slug; NotFound for drafts, retracted or unknown slugs."""
    article = session.exec(select(Article).where(Article.slug == slug)).first()
    if article is None or article.status != ArticleStatus.published:
        raise NotFound(f"no published article {slug!r}")
    return article


def list_published(*, session: Session, category: str | None, limit: int) -> list[Article]:
    """Published articles, newest first, optionally of one category (by slug)."""
    query = select(Article).where(Article.status == ArticleStatus.published)
    if category is not None:
        found = session.exec(select(Category).where(Category.slug == category)).first()
        if found is None:
            raise NotFound(f"no category {category!r}")
        query = query.where(Article.category_id == found.id)
    query = query.order_by(col(Article.published_at).desc(), col(Article.id).desc()).limit(limit)
    return list(session.exec(query).all())


def article_url(settings: PostsSettings, article: Article) -> str:
    """Where readers find the article's page."""
    return f"{settings.site_url.rstrip('/')}/articles/{article.slug}"


def to_public(session: Session, article: Article, settings: PostsSettings) -> ArticlePublic:
    """The public shape of an article, with its category."""
    category = session.get_one(Category, article.category_id)
    return ArticlePublic.model_validate(article, update={
        "url": article_url(settings, article),
        "category": CategoryPublic.model_validate(category),
    })


def _get(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    return article
