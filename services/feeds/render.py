"""Rendering feed documents with feedgen, byte-for-byte stable for unchanged content."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator

from services.feeds.models import FeedArticle
from services.feeds.settings import FeedsSettings
from shared.events import as_utc

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}


def feed_url(settings: FeedsSettings, path: str) -> str:
    """The absolute URL of the document at `path` (e.g. "categories/iraq.rss")."""
    return f"{settings.feeds_url.rstrip('/')}/feeds/{path}"


def tag_uri(settings: FeedsSettings, specific: str) -> str:
    """A stable id (RFC 4151 tag URI) from the site's host and a database id."""
    host = urlsplit(settings.site_url).hostname or "burg.localhost"
    return f"tag:{host},2025:{specific}"


def render(settings: FeedsSettings, *, path_stem: str, title: str, description: str,
           page_url: str, articles: list[FeedArticle]) -> dict[str, bytes]:
    """RSS 2.0 and Atom 1.0 documents of `articles` (newest first), keyed by format."""
    documents = {}
    for fmt in CONTENT_TYPES:
        fg = FeedGenerator()
        fg.load_extension("dc")  # RSS <author> must be an e-mail address: use dc:creator
        fg.id(tag_uri(settings, f"feeds/{path_stem}"))
        fg.title(title)
        fg.description(description)
        fg.language("en")
        fg.link(href=feed_url(settings, f"{path_stem}.{fmt}"), rel="self")
        fg.link(href=page_url, rel="alternate")  # last: RSS <link> is the last one added
        # Timestamps are set from the content, never now(), so equal content renders equal bytes.
        updated = max((as_utc(a.updated_at) for a in articles),
                      default=datetime(2025, 1, 1, tzinfo=UTC))
        fg.updated(updated)
        fg.lastBuildDate(updated)
        for article in articles:
            entry = fg.add_entry(order="append")
            # The id (RSS guid and atom:id alike) comes from the database id: it never changes.
            entry.guid(tag_uri(settings, f"article-{article.article_id}"), permalink=False)
            entry.title(article.title)
            entry.link(href=article.url, rel="alternate")
            entry.author(name=article.posted_by)
            entry.dc.dc_creator(article.posted_by)
            entry.category(term=article.category_slug, label=article.category_name)
            entry.published(as_utc(article.published_at))
            entry.updated(as_utc(article.updated_at))
            entry.summary(article.summary)  # atom:summary and RSS <description>
            entry.content(article.body_html, type="html")
        documents[fmt] = fg.rss_str(pretty=True) if fmt == "rss" else fg.atom_str(pretty=True)
    return documents
