"""Use cases of the feeds service: keep the read model, re-render the documents it touches."""

import hashlib
from datetime import UTC, datetime

from sqlmodel import Session, col, delete, select

from services.feeds.models import FeedArticle, FeedDocument
from services.feeds.render import CONTENT_TYPES, render
from services.feeds.settings import FeedsSettings
from shared.errors import NotFound
from shared.events import ArticlePublished, ArticleRetracted


def on_article_published(session: Session, event: ArticlePublished, *,
                         settings: FeedsSettings) -> None:
    """Add or update the article in the read model; re-render its category's and the site's
    feeds."""
    session.exec(delete(FeedArticle).where(col(FeedArticle.article_id) == event.article_id))
    session.add(FeedArticle(
        article_id=event.article_id, slug=event.slug, url=event.url, title=event.title,
        category_slug=event.category_slug, category_name=event.category_name,
        posted_by=event.posted_by, summary=event.summary, body_html=event.body_html,
        published_at=event.published_at, updated_at=event.updated_at))
    session.flush()
    rerender(session, settings, category_slug=event.category_slug)


def on_article_retracted(session: Session, event: ArticleRetracted, *,
                         settings: FeedsSettings) -> None:
    """Take the article out of every feed."""
    session.exec(delete(FeedArticle).where(col(FeedArticle.article_id) == event.article_id))
    session.flush()
    rerender(session, settings, category_slug=event.category_slug)


def rerender(session: Session, settings: FeedsSettings, *, category_slug: str) -> None:
    """Render the category's feeds and the site-wide feeds again, storing what changed."""
    newest = select(FeedArticle).order_by(col(FeedArticle.published_at).desc(),
                                          col(FeedArticle.article_id).desc())
    limit = settings.entries_per_feed
    in_category = list(session.exec(newest.where(FeedArticle.category_slug == category_slug)
                                    .limit(limit)).all())
    site = settings.site_url.rstrip("/")
    if in_category:
        name = in_category[0].category_name
        _store_all(session, f"categories/{category_slug}", render(
            settings, path_stem=f"categories/{category_slug}",
            title=f"{settings.site_name}: {name}", description=f"New articles in {name}",
            page_url=f"{site}/categories/{category_slug}", articles=in_category))
    _store_all(session, "site", render(
        settings, path_stem="site", title=settings.site_name,
        description=f"New articles on {settings.site_name}", page_url=f"{site}/",
        articles=list(session.exec(newest.limit(limit)).all())))


def get_document(*, session: Session, path: str) -> FeedDocument:
    """The stored document at `path`; NotFound if there is none."""
    document = session.get(FeedDocument, path)
    if document is None:
        raise NotFound(f"no feed at /feeds/{path}")
    return document


def _store_all(session: Session, stem: str, documents: dict[str, bytes]) -> None:
    for fmt, body in documents.items():
        _store(session, f"{stem}.{fmt}", CONTENT_TYPES[fmt], body)


def _store(session: Session, path: str, content_type: str, body: bytes) -> None:
    """Keep `body` at `path`; the ETag and Last-Modified change exactly when the bytes do."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    document = session.get(FeedDocument, path)
    if document is not None and document.etag == etag:
        return
    document = document or FeedDocument(path=path, content_type=content_type, body=body,
                                        etag=etag, last_modified=_now_seconds())
    document.body, document.etag, document.content_type = body, etag, content_type
    document.last_modified = _now_seconds()
    session.add(document)


def _now_seconds() -> datetime:
    """Now, to the second: HTTP dates have no finer resolution."""
    return datetime.now(UTC).replace(microsecond=0)
