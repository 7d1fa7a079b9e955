"""Rendering feed documents, byte-for-byte stable for unchanged content: the entries of
articles and comments, and every format of a feed, joined from parts made once
(fragments.py) into the bytes feedgen would build whole (whole.py)."""

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from services.feeds.feed import CONTENT_TYPES, Entry, Feed, feed_url, tag_uri
from services.feeds.fragments import assemble
from services.feeds.models import FeedArticle, FeedComment
from services.feeds.settings import FeedsSettings

__all__ = ["ARTICLE_FIELDS", "COMMENT_FIELDS", "CONTENT_TYPES", "Entry", "Feed", "article_entry",
           "comment_entry", "feed_url", "render", "tag_uri"]
ENTRIES_KEPT = 1024  # entries made lately, kept for the next renders (an LRU)
# What an entry is made of: feeds read these columns as rows, not as ORM objects.
ARTICLE_FIELDS = ("article_id", "title", "url", "posted_by", "published_at", "updated_at",
                  "summary", "body_html", "category_slug", "category_name")
COMMENT_FIELDS = ("comment_id", "nic", "article_title", "article_url", "created_at",
                  "updated_at", "summary", "body_html")


def article_entry(settings: FeedsSettings, article: FeedArticle | Row[Any]) -> Entry:
    """The feed entry of an article; its id comes from the database id and never changes."""
    return _entry(
        tag_uri(settings, f"article-{article.article_id}"), article.title, article.url,
        article.posted_by, article.published_at, article.updated_at, article.summary,
        article.body_html, (article.category_slug, article.category_name))


def comment_entry(settings: FeedsSettings, comment: FeedComment | Row[Any]) -> Entry:
    """The feed entry of a comment, linking straight to it on its article's page."""
    return _entry(
        tag_uri(settings, f"comment-{comment.comment_id}"),
        f"{comment.nic} on \u201c{comment.article_title}\u201d",
        f"{settings.site_url.rstrip('/')}/comments/{comment.comment_id}", comment.nic,
        comment.created_at, comment.updated_at, comment.summary, comment.body_html, None)


@functools.lru_cache(maxsize=ENTRIES_KEPT)
def _entry(*fields: Any) -> Entry:
    """An entry made from exactly these values: made once, while its row stays the same.
    Cleaning and sanitising 50 bodies cost most of a render, and a publish renders its
    category's feed and the site's, each with 49 entries it rendered last time."""
    return Entry(*fields)


def render(settings: FeedsSettings, feed: Feed,
           updated: datetime | None = None) -> dict[str, bytes]:
    """The RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents of `feed`, keyed by format.
    `updated` is the feed's own time (Atom `updated`, RSS `lastBuildDate`): the time its
    content last changed, which the caller knows (by default its newest entry's)."""
    return assemble(settings, feed, updated)
