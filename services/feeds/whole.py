"""A whole feed document rendered at once with feedgen: the reference every faster way of
making the same bytes (fragments.py) is cut from and checked against.

What a feed reader may render as HTML is sanitised HTML or escaped text: readers render RSS
`<title>` and `<description>` as HTML once they have unescaped the XML, so text goes there
HTML-escaped; Atom says what each text is (`type="text"`, or `type="html"` for the body); an
entry's body is sanitised (feed.py), whatever the read model holds. JSON Feed's `title` and
`summary` are plain text by its spec, and stay so."""

import json
from datetime import datetime
from html import escape
from typing import Any

from feedgen.feed import FeedGenerator
from lxml import etree

from services.feeds.feed import Entry, Feed, feed_url, newest_update, tag_uri
from services.feeds.settings import FeedsSettings

JSON_FEED = "https://jsonfeed.org/version/1.1"
ATOM_NS = "http://www.w3.org/2005/Atom"


def render_whole(settings: FeedsSettings, feed: Feed,
                 updated: datetime | None = None) -> dict[str, bytes]:
    """The RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents of `feed`, keyed by format, each
    built whole. `updated` is the feed's own time (Atom `updated`, RSS `lastBuildDate`): the
    time its content last changed, which the caller knows (by default its newest entry's)."""
    updated = updated or newest_update(feed)
    return {"rss": xml(settings, feed, "rss", updated),
            "atom": xml(settings, feed, "atom", updated), "json": json_feed(settings, feed)}


def xml(settings: FeedsSettings, feed: Feed, fmt: str, updated: datetime) -> bytes:
    """The `fmt` ("rss" or "atom") document of `feed`, built with feedgen."""
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


def json_feed(settings: FeedsSettings, feed: Feed) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1), keys in a fixed order."""
    document = json_head(settings, feed)
    document["items"] = [json_item(entry) for entry in feed.entries]
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def json_head(settings: FeedsSettings, feed: Feed) -> dict[str, Any]:
    """What a JSON Feed says of itself, before its items."""
    document: dict[str, Any] = {
        "version": JSON_FEED, "title": feed.title, "home_page_url": feed.page_url,
        "feed_url": feed_url(settings, f"{feed.path_stem}.json"),
        "description": feed.description, "language": "en"}
    if settings.websub_hub:
        document["hubs"] = [{"type": "WebSub", "url": settings.websub_hub}]
    return document


def json_item(entry: Entry) -> dict[str, Any]:
    """One entry as a JSON Feed item."""
    return {
        "id": entry.id, "url": entry.link, "title": entry.title,
        "content_html": entry.content_html, "summary": entry.summary,
        "date_published": _rfc3339(entry.published), "date_modified": _rfc3339(entry.updated),
        "authors": [{"name": entry.author}],
        **({"tags": [entry.category[1]]} if entry.category else {}),
    }


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
