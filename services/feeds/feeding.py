"""Article and category feeds: keep the read model, re-render the documents it touches."""

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from services.feeds.documents import publish
from services.feeds.models import FeedArticle, FeedCategory
from services.feeds.render import Feed, article_entry
from services.feeds.settings import FeedsSettings
from shared.events import ArticlePublished, ArticleRetracted, CategoryCreated


def on_category_changed(session: Session, event: CategoryCreated, *,
                        settings: FeedsSettings) -> None:
    """Keep a new or renamed category; render its feeds (a new category's are empty) and the
    site's (its entries name their category)."""
    category = session.get(FeedCategory, event.slug) or FeedCategory(slug=event.slug, name="")
    category.name, category.description = event.name, event.description
    session.add(category)
    session.exec(update(FeedArticle).where(col(FeedArticle.category_slug) == event.slug)
                 .values(category_name=event.name))
    session.flush()
    rerender(session, settings, category_slug=event.slug)


def on_article_published(session: Session, event: ArticlePublished, *,
                         settings: FeedsSettings) -> None:
    """Add or update the article in the read model; re-render the feeds it is (or was) in."""
    previous = session.get(FeedArticle, event.article_id)
    moved_from = previous.category_slug if previous else None
    if session.get(FeedCategory, event.category_slug) is None:  # its event may come later
        session.add(FeedCategory(slug=event.category_slug, name=event.category_name))
    session.exec(delete(FeedArticle).where(col(FeedArticle.article_id) == event.article_id))
    session.add(FeedArticle(
        article_id=event.article_id, slug=event.slug, url=event.url, title=event.title,
        category_slug=event.category_slug, category_name=event.category_name,
        posted_by=event.posted_by, summary=event.summary, body_html=event.body_html,
        published_at=event.published_at, updated_at=event.updated_at))
    session.flush()
    rerender(session, settings, category_slug=event.category_slug)
    if moved_from and moved_from != event.category_slug:
        rerender(session, settings, category_slug=moved_from, site=False)


def on_article_retracted(session: Session, event: ArticleRetracted, *,
                         settings: FeedsSettings) -> None:
    """Take the article out of every feed."""
    session.exec(delete(FeedArticle).where(col(FeedArticle.article_id) == event.article_id))
    session.flush()
    rerender(session, settings, category_slug=event.category_slug)


def rerender(session: Session, settings: FeedsSettings, *, category_slug: str,
             site: bool = True) -> None:
    """Render the category's feeds (and the site-wide ones) again, storing what changed."""
    newest = select(FeedArticle).order_by(col(FeedArticle.published_at).desc(),
                                          col(FeedArticle.article_id).desc())
    limit = settings.entries_per_feed
    home = settings.site_url.rstrip("/")
    category = session.get(FeedCategory, category_slug)
    if category is not None:
        articles = session.exec(newest.where(FeedArticle.category_slug == category_slug)
                                .limit(limit)).all()
        publish(session, settings, Feed(
            path_stem=f"categories/{category_slug}",
            title=f"{settings.site_name}: {category.name}",
            description=category.description or f"New articles in {category.name}",
            page_url=f"{home}/categories/{category_slug}",
            entries=[article_entry(settings, a) for a in articles]))
    if site:
        publish(session, settings, Feed(
            path_stem="site", title=settings.site_name, page_url=f"{home}/",
            description=f"New articles on {settings.site_name}",
            entries=[article_entry(settings, a)
                     for a in session.exec(newest.limit(limit)).all()]))
