"""What a feed document shows, whatever its format: its entries and what it says of itself,
cleaned so that no stored text can stop a render; and the URLs and ids it is known by."""

import functools
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from urllib.parse import urlsplit

from services.feeds.settings import FeedsSettings
from services.feeds.xmltext import xml_text
from shared.markup.sanitise import sanitise

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)  # the "updated" time of a feed with no entries


@dataclass(frozen=True)
class Entry:
    """One item of a feed, whatever it shows (an article or a comment)."""

    id: str
    title: str
    link: str
    author: str
    published: datetime
    updated: datetime
    summary: str  # plain text
    content_html: str  # sanitised again here: stored HTML is not trusted
    category: tuple[str, str] | None = None  # (term, label)

    def __post_init__(self) -> None:
        _clean(self)  # first: nh3 cannot take a lone surrogate
        # Cleaned again: nh3 turns character references (`&#1;`) into the characters.
        object.__setattr__(self, "content_html", xml_text(sanitise(self.content_html)))


@dataclass(frozen=True)
class Feed:
    """What a document says of itself, and its entries, newest first."""

    path_stem: str  # e.g. "categories/iraq": the documents are <stem>.rss, .atom and .json
    title: str
    description: str
    page_url: str
    entries: list[Entry]

    def __post_init__(self) -> None:
        _clean(self)


def _clean(record: Entry | Feed) -> None:
    """Make every text of `record` fit for XML: no stored text can stop a render."""
    for field in fields(record):
        value = getattr(record, field.name)
        if isinstance(value, str):
            object.__setattr__(record, field.name, xml_text(value))
        elif isinstance(value, tuple):
            object.__setattr__(record, field.name, tuple(xml_text(v) for v in value))


def feed_url(settings: FeedsSettings, path: str) -> str:
    """The absolute URL of the document at `path` (e.g. "categories/iraq.rss")."""
    return f"{settings.feeds_url.rstrip('/')}/feeds/{path}"


def tag_uri(settings: FeedsSettings, specific: str) -> str:
    """A stable id (RFC 4151 tag URI) from the site's host and a database id."""
    return f"tag:{_host(settings.site_url)},2025:{specific}"


@functools.lru_cache(maxsize=4)
def _host(site_url: str) -> str:
    # Kept: a render asks it for each of its fifty entries, and parsing the URL cost more
    # than the rest of making the entry's id and link.
    return urlsplit(site_url).hostname or "burg.localhost"


def newest_update(feed: Feed) -> datetime:
    """The feed's time when nobody says otherwise: its newest entry's, else EPOCH."""
    return max((entry.updated for entry in feed.entries), default=EPOCH)
