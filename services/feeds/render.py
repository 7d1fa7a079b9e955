"""Rendering feed documents with feedgen, byte-for-byte stable for unchanged content.

What a feed reader may render as HTML is sanitised HTML or escaped text: readers render RSS
`<title>` and `<description>` as HTML once they have unescaped the XML, so text goes there
HTML-escaped; Atom says what each text is (`type="text"`, or `type="html"` for the body); an
entry's body is sanitised again here, whatever the read model holds. JSON Feed's `title` and
`summary` are plain text by its spec, and stay so."""

import functools
import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from lxml import etree

from services.feeds.models import FeedArticle, FeedComment
from services.feeds.settings import FeedsSettings
from services.feeds.xmltext import xml_text
from shared.markup.sanitise import sanitise

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
JSON_FEED = "https://jsonfeed.org/version/1.1"
ATOM_NS = "http://www.w3.org/2005/Atom"
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)  # the "updated" time of a feed with no entries
ENTRIES_KEPT = 1024  # entries made lately, kept for the next renders (an LRU)


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
    host = urlsplit(settings.site_url).hostname or "burg.localhost"
    return f"tag:{host},2025:{specific}"


def article_entry(settings: FeedsSettings, article: FeedArticle) -> Entry:
    """The feed entry of an article; its id comes from the database id and never changes."""
    return _entry(
        tag_uri(settings, f"article-{article.article_id}"), article.title, article.url,
        article.posted_by, article.published_at, article.updated_at, article.summary,
        article.body_html, (article.category_slug, article.category_name))


def comment_entry(settings: FeedsSettings, comment: FeedComment) -> Entry:
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
    updated = updated or _updated(feed)
    return {"rss": _xml(settings, feed, "rss", updated),
            "atom": _xml(settings, feed, "atom", updated), "json": _json(settings, feed)}


def _xml(settings: FeedsSettings, feed: Feed, fmt: str, updated: datetime) -> bytes:
    # In RSS a reader renders titles and descriptions as HTML: text goes there escaped.
    shown = _as_html if fmt == "rss" else _as_is
    fg = FeedGenerator()
    # RSS <author> must be an e-mail address: dc:creator names the author there. Not in
    # Atom, whose <author><name> already does (readers would show the name twice).
    fg.load_extension("dc", atom=False)
    fg.id(tag_uri(settings, f"feeds/{feed.path_stem}"))
    fg.title(shown(feed.title))
    fg.description(shown(feed.description))  # and Atom's subtitle
    fg.language("en")
    # Atom wants an author for the feed when an entry may lack one, and an empty feed has no
    # entries to lend theirs (the W3C validator's "MissingElement author"). A name alone adds
    # nothing to RSS, whose managingEditor must be an e-mail address.
    fg.author(name=settings.site_name)
    fg.link(href=feed_url(settings, f"{feed.path_stem}.{fmt}"), rel="self")
    if settings.websub_hub:
        fg.link(href=settings.websub_hub, rel="hub")
    fg.link(href=feed.page_url, rel="alternate")  # last: RSS <link> is the last one added
    # Timestamps come from the content and the caller, never now(): equal content renders
    # equal bytes.
    fg.updated(updated)
    fg.lastBuildDate(updated)
    for entry in feed.entries:
        item = fg.add_entry(order="append")
        item.guid(entry.id, permalink=False)  # sets atom:id too
        item.title(shown(entry.title))
        item.link(href=entry.link, rel="alternate")
        item.author(name=entry.author)
        item.dc.dc_creator(entry.author)
        if entry.category:
            item.category(term=entry.category[0], label=entry.category[1])
        item.published(entry.published)
        item.updated(entry.updated)
        item.summary(shown(entry.summary), type="text")  # atom:summary and RSS <description>
        item.content(entry.content_html, type="html")
    if fmt == "atom":
        return _text_typed(bytes(fg.atom_str(pretty=True)))
    rss = bytes(fg.rss_str(pretty=True))
    return _with_hub(rss, settings.websub_hub) if settings.websub_hub else rss


def _as_html(text: str) -> str:
    return escape(text, quote=False)


def _as_is(text: str) -> str:
    return text


def _text_typed(atom: bytes) -> bytes:
    """feedgen gives Atom titles and the subtitle no `type`: say `text`, which RFC 4287
    implies but readers guess at, so that none renders a title as HTML."""
    root = etree.fromstring(atom)
    for element in root.xpath("a:title | a:subtitle | a:entry/a:title",
                              namespaces={"a": ATOM_NS}):
        element.set("type", "text")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _with_hub(rss: bytes, hub: str) -> bytes:
    """feedgen writes only the self link into RSS: add WebSub's `<atom:link rel="hub">`."""
    root = etree.fromstring(rss)
    self_link = root.find(f"channel/{{{ATOM_NS}}}link")
    assert self_link is not None
    link = etree.Element(f"{{{ATOM_NS}}}link", href=hub, rel="hub")
    link.tail = self_link.tail
    self_link.addnext(link)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _json(settings: FeedsSettings, feed: Feed) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1), keys in a fixed order."""
    document: dict[str, Any] = {
        "version": JSON_FEED, "title": feed.title, "home_page_url": feed.page_url,
        "feed_url": feed_url(settings, f"{feed.path_stem}.json"),
        "description": feed.description, "language": "en"}
    if settings.websub_hub:
        document["hubs"] = [{"type": "WebSub", "url": settings.websub_hub}]
    document["items"] = [{
        "id": entry.id, "url": entry.link, "title": entry.title,
        "content_html": entry.content_html, "summary": entry.summary,
        "date_published": _rfc3339(entry.published), "date_modified": _rfc3339(entry.updated),
        "authors": [{"name": entry.author}],
        **({"tags": [entry.category[1]]} if entry.category else {}),
    } for entry in feed.entries]
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def _updated(feed: Feed) -> datetime:
    return max((entry.updated for entry in feed.entries), default=EPOCH)


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
