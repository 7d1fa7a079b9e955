"""An article's comment feed before its first comment: made on request from the read model,
never rendered nor stored by the worker.

Every new article has a comment feed from the moment it is published, and nearly all of them
are empty then. Rendering and storing each one (three documents, a frame built by feedgen, a
round's transaction of its own) cost the worker more than the article's category and site
renders together, for a document few readers ever ask for before its first comment. So a
published article's comment feed is stored only once something renders it (its first comment,
an edit of the article, a rebuild); until then the API makes it when asked, with the bytes
the worker would have stored, and the article's last change as its time (`Last-Modified`,
RSS `lastBuildDate`, Atom `updated`): what its content depends on, so its ETag and its time
stay the same from one request to the next, and move forward when a render stores it.
"""

import re
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlmodel import Session

from services.feeds.feed import CONTENT_TYPES, Entry, Feed
from services.feeds.fragments import pieces
from services.feeds.models import FeedArticle, FeedDocument
from services.feeds.packed import gzipped
from services.feeds.settings import FeedsSettings
from shared.http import strong_etag

STEM = "articles/{article_id}/comments"
PATH = re.compile(r"articles/(\d{1,18})/comments\.(rss|atom|json)")

_ARTICLES = FeedArticle.__table__  # type: ignore[attr-defined]
# Built once; not its body. An article only known as retracted (url "") has no feed.
_ARTICLE = select(_ARTICLES.c.title, _ARTICLES.c.url, _ARTICLES.c.updated_at).where(
    _ARTICLES.c.article_id == bindparam("article_id"), ~_ARTICLES.c.retracted,
    _ARTICLES.c.url != "")
_WITH_FEEDS = select(_ARTICLES.c.article_id, _ARTICLES.c.title, _ARTICLES.c.url).where(
    ~_ARTICLES.c.retracted, _ARTICLES.c.url != "")


def comments_feed(article_id: int, title: str, page: str, entries: list[Entry]) -> Feed:
    """An article's comment feed of `entries` (none: the one made on request; its comments:
    the one comment_feeds.render_article stores)."""
    heading = f"Comments on \u201c{title}\u201d"
    return Feed(path_stem=STEM.format(article_id=article_id), title=heading,
                description=heading, page_url=f"{page}#comments", entries=entries)


def document(*, session: Session, settings: FeedsSettings, path: str) -> FeedDocument | None:
    """The empty comment feed at `path` (not stored: nothing is added to `session`), or None
    if `path` names no published article's comment feed."""
    match = PATH.fullmatch(path)
    if match is None:
        return None
    article = session.execute(_ARTICLE, {"article_id": int(match[1])}).first()
    if article is None:
        return None
    fmt = match[2]
    feed = comments_feed(int(match[1]), article.title, article.url, [])
    when = _whole_seconds(article.updated_at)
    parts = pieces(settings, feed, updated=when)[fmt]
    body = b"".join(parts)
    return FeedDocument(path=path, title=feed.title, content_type=CONTENT_TYPES[fmt], body=body,
                        body_gzip=gzipped(parts), etag=strong_etag(body), last_modified=when)


def listed(session: Session, stored: set[str]) -> list[tuple[str, str]]:
    """(path, feed title) of every comment feed made on request: those of the published
    articles whose feed is not among the `stored` paths."""
    found = []
    for article_id, title, url in session.execute(_WITH_FEEDS):
        stem = STEM.format(article_id=article_id)
        if f"{stem}.rss" not in stored:
            feed_title = comments_feed(article_id, title, url, []).title
            found += [(f"{stem}.{fmt}", feed_title) for fmt in CONTENT_TYPES]
    return found


def _whole_seconds(when: datetime) -> datetime:
    return when.replace(microsecond=0)  # HTTP dates have whole seconds, as stored ones do
