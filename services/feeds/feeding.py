"""Article and category feeds: keep the read model, mark the documents it touches stale."""

from typing import Any

from sqlalchemy import Select, select, update
from sqlmodel import Session, col, delete

from services.feeds import stale
from services.feeds.documents import publish
from services.feeds.models import FeedArticle, FeedCategory, FeedComment
from services.feeds.render import ARTICLE_FIELDS, Feed, article_entry
from services.feeds.settings import FeedsSettings
from shared.events import ArticlePublished, ArticleRetracted, CategoryCreated, utcnow


def on_category_changed(session: Session, event: CategoryCreated) -> None:
    """Keep a new or renamed category; its feeds (a new category's are empty) and the site's
    (its entries name their category) are rendered again, and the latest comments' (so that
    it exists, empty, as soon as the site has a category: every page names it)."""
    category = session.get(FeedCategory, event.slug) or FeedCategory(slug=event.slug, name="")
    category.name, category.description = event.name, event.description
    session.add(category)
    session.exec(update(FeedArticle).where(col(FeedArticle.category_slug) == event.slug)
                 .values(category_name=event.name))
    stale.mark(session, f"category:{event.slug}", "site", "comments")


def on_article_published(session: Session, event: ArticlePublished) -> None:
    """Add or update the article in the read model; the feeds it is (or was) in are rendered
    again, and its comment feed exists from now on (empty until the first comment). An event
    older than what the read model holds (two workers can finish out of order) changes
    nothing."""
    previous = session.get(FeedArticle, event.article_id)
    if previous is not None and previous.updated_at > event.updated_at:
        return
    moved_from = previous.category_slug if previous and not previous.retracted else None
    if session.get(FeedCategory, event.category_slug) is None:  # its event may come later
        session.add(FeedCategory(slug=event.category_slug, name=event.category_name))
    session.exec(delete(FeedArticle).where(col(FeedArticle.article_id) == event.article_id))
    session.add(FeedArticle(
        article_id=event.article_id, slug=event.slug, url=event.url, title=event.title,
        category_slug=event.category_slug, category_name=event.category_name,
        posted_by=event.posted_by, summary=event.summary, body_html=event.body_html,
        published_at=event.published_at, updated_at=event.updated_at))
    stale.mark(session, f"category:{event.category_slug}", "site", f"article:{event.article_id}")
    if moved_from and moved_from != event.category_slug:
        stale.mark(session, f"category:{moved_from}")
    # Comment entries name their article: an edited title shows in the latest comments too.
    changed = ((col(FeedComment.article_title) != event.title)
               | (col(FeedComment.article_url) != event.url))
    renamed = session.exec(update(FeedComment).where(
        col(FeedComment.article_id) == event.article_id, changed,
    ).values(article_title=event.title, article_url=event.url))
    if renamed.rowcount:
        stale.mark(session, "comments")


def on_article_retracted(session: Session, event: ArticleRetracted) -> None:
    """Take the article out of every feed (its comment feed goes, its comments leave the
    site's); keep a marker so that an older event arriving later cannot bring it back."""
    at = event.retracted_at if event.retracted_at else utcnow()
    article = session.get(FeedArticle, event.article_id)
    if article is not None and article.updated_at > at:
        return  # published again after this retraction
    article = article or FeedArticle(
        article_id=event.article_id, slug="", url="", title="", category_slug="",
        category_name="", posted_by="", summary="", body_html="", published_at=at,
        updated_at=at)
    article.retracted, article.updated_at = True, at
    session.add(article)
    stale.mark(session, f"category:{event.category_slug}", "site",
               f"article:{event.article_id}", "comments")


def render_category(*, session: Session, settings: FeedsSettings, category_slug: str) -> None:
    """Render the category's feeds again, storing what changed."""
    category = session.get(FeedCategory, category_slug)
    if category is None:
        return
    articles = session.execute(_newest().where(col(FeedArticle.category_slug) == category_slug)
                               .limit(settings.entries_per_feed)).all()
    publish(session, settings, Feed(
        path_stem=f"categories/{category_slug}",
        title=f"{settings.site_name}: {category.name}",
        description=category.description or f"New articles in {category.name}",
        page_url=f"{settings.site_url.rstrip('/')}/categories/{category_slug}",
        entries=[article_entry(settings, a) for a in articles]))


def render_site(*, session: Session, settings: FeedsSettings) -> None:
    """Render the site's feeds (the newest articles of every category) again."""
    articles = session.execute(_newest().limit(settings.entries_per_feed)).all()
    publish(session, settings, Feed(
        path_stem="site", title=settings.site_name, page_url=f"{settings.site_url.rstrip('/')}/",
        description=f"New articles on {settings.site_name}",
        entries=[article_entry(settings, a) for a in articles]))


def _newest() -> Select[Any]:
    # Rows, not ORM objects: making 50 objects cost as much as the rest of the query.
    return select(*(getattr(FeedArticle, name) for name in ARTICLE_FIELDS)).where(
        ~col(FeedArticle.retracted)).order_by(col(FeedArticle.published_at).desc(),
                                              col(FeedArticle.article_id).desc())
