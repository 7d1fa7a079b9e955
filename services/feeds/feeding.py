"""Article and category feeds: keep the read model, mark the documents it touches stale."""

from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

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
    again. A new article's comment feed is not: it is empty, and served as such from the
    read model until something renders it (empty_feeds.py); an article seen before (edited,
    published again after a retraction) has its comment feed rendered again. An event older
    than what the read model holds (two workers can finish out of order) changes nothing."""
    # Core statements, built once: no ORM object is made. A Core statement does not flush
    # what the batch's ORM handlers (a category's) hold back: they go first.
    session.flush()
    previous = session.execute(_PREVIOUS, {"article_id": event.article_id}).first()
    if previous is not None and previous.updated_at > event.updated_at:
        return
    moved_from = previous.category_slug if previous and not previous.retracted else None
    dialect = session.get_bind().dialect.name
    session.execute(_NEW_CATEGORY[dialect], {  # its own event may come later
        "slug": event.category_slug, "name": event.category_name, "description": ""})
    if previous is not None:
        session.execute(_FORGET, {"article_id": event.article_id})
    session.execute(_ADD, {
        "article_id": event.article_id, "slug": event.slug, "url": event.url,
        "title": event.title, "category_slug": event.category_slug,
        "category_name": event.category_name, "posted_by": event.posted_by,
        "summary": event.summary, "body_html": event.body_html,
        "published_at": event.published_at, "updated_at": event.updated_at, "retracted": False})
    stale.mark(session, f"category:{event.category_slug}", "site")
    if previous is not None:
        stale.mark(session, f"article:{event.article_id}")
    if moved_from and moved_from != event.category_slug:
        stale.mark(session, f"category:{moved_from}")
    # Comment entries name their article: an edited title shows in the latest comments too
    # (and in the article's comment feed, which comments that came before it made).
    renamed = session.execute(_RENAME, {"of_article": event.article_id,
                                        "new_title": event.title, "new_url": event.url})
    if cast(CursorResult[Any], renamed).rowcount:
        stale.mark(session, "comments", f"article:{event.article_id}")


# Built once, rows rather than ORM objects: building the statements and making and flushing
# an article's object cost more than the SQL itself (a third of a publish burst's CPU).
_ARTICLES = FeedArticle.__table__  # type: ignore[attr-defined]
_COMMENTS = FeedComment.__table__  # type: ignore[attr-defined]
_PREVIOUS = select(_ARTICLES.c.updated_at, _ARTICLES.c.category_slug, _ARTICLES.c.retracted
                   ).where(_ARTICLES.c.article_id == bindparam("article_id"))
_FORGET = delete(_ARTICLES).where(_ARTICLES.c.article_id == bindparam("article_id"))
_ADD = insert(_ARTICLES)
_RETRACT = update(_ARTICLES).where(_ARTICLES.c.article_id == bindparam("of_article")).values(
    retracted=True, updated_at=bindparam("at"))
_RENAME = update(_COMMENTS).where(
    _COMMENTS.c.article_id == bindparam("of_article"),
    (_COMMENTS.c.article_title != bindparam("new_title"))
    | (_COMMENTS.c.article_url != bindparam("new_url")),
).values(article_title=bindparam("new_title"), article_url=bindparam("new_url"))
_NEW_CATEGORY = {
    name: dialect.insert(FeedCategory.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
        index_elements=["slug"])
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))}


def on_article_retracted(session: Session, event: ArticleRetracted) -> None:
    """Take the article out of every feed (its comment feed goes, its comments leave the
    site's); keep a marker so that an older event arriving later cannot bring it back."""
    at = event.retracted_at if event.retracted_at else utcnow()
    session.flush()  # Core, as on_article_published: see there
    previous = session.execute(_PREVIOUS, {"article_id": event.article_id}).first()
    if previous is not None and previous.updated_at > at:
        return  # published again after this retraction
    if previous is None:
        session.execute(_ADD, {
            "article_id": event.article_id, "slug": "", "url": "", "title": "",
            "category_slug": "", "category_name": "", "posted_by": "", "summary": "",
            "body_html": "", "published_at": at, "updated_at": at, "retracted": True})
    else:
        session.execute(_RETRACT, {"of_article": event.article_id, "at": at})
    stale.mark(session, f"category:{event.category_slug}", "site",
               f"article:{event.article_id}", "comments")


def render_category(*, session: Session, settings: FeedsSettings, category_slug: str) -> None:
    """Render the category's feeds again, storing what changed."""
    category = session.execute(_CATEGORY, {"slug": category_slug}).first()
    if category is None:
        return
    articles = session.execute(_IN_CATEGORY, {"slug": category_slug,
                                              "entries": settings.entries_per_feed}).all()
    publish(session, settings, Feed(
        path_stem=f"categories/{category_slug}",
        title=f"{settings.site_name}: {category.name}",
        description=category.description or f"New articles in {category.name}",
        page_url=f"{settings.site_url.rstrip('/')}/categories/{category_slug}",
        entries=[article_entry(settings, a) for a in articles]))


def render_site(*, session: Session, settings: FeedsSettings) -> None:
    """Render the site's feeds (the newest articles of every category) again."""
    articles = session.execute(_SITE, {"entries": settings.entries_per_feed}).all()
    publish(session, settings, Feed(
        path_stem="site", title=settings.site_name, page_url=f"{settings.site_url.rstrip('/')}/",
        description=f"New articles on {settings.site_name}",
        entries=[article_entry(settings, a) for a in articles]))


# Rows, not ORM objects: making 50 objects cost as much as the rest of the query. Built
# once: building them anew cost a publish's round as much as running them.
# On the tables: the ORM's way to run a statement cost more than the query.
_NEWEST = select(*(_ARTICLES.c[name] for name in ARTICLE_FIELDS)).where(
    ~_ARTICLES.c.retracted).order_by(_ARTICLES.c.published_at.desc(),
                                     _ARTICLES.c.article_id.desc())
_IN_CATEGORY = _NEWEST.where(_ARTICLES.c.category_slug == bindparam("slug")).limit(
    bindparam("entries"))
_SITE = _NEWEST.limit(bindparam("entries"))
_CATEGORIES = FeedCategory.__table__  # type: ignore[attr-defined]
_CATEGORY = select(_CATEGORIES.c.name, _CATEGORIES.c.description).where(
    _CATEGORIES.c.slug == bindparam("slug"))
