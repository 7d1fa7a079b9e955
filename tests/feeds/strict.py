"""A feed checker that judges like the strictest clients, not like feedparser (which forgives):
XML parsed with no recovery and no entity expansion, no character XML 1.0 forbids or
discourages, the elements RSS 2.0 and Atom 1.0 (RFC 4287) require, JSON Feed 1.1's rules,
RFC 822 / RFC 3339 dates and absolute URLs. Written from the standards, sharing no code with
the service it checks.

`assert_strict(path, body)` checks one document; its format comes from the path's suffix."""

import json
import re
import sys
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
JSON_FEED = "https://jsonfeed.org/version/1.1"

# XML 1.0 §2.2: Char, and the ranges it asks authors to avoid; all of the C1 controls, U+0085
# included (XML 1.0 lets it by, but it is a control to HTML and a line break to some readers).
_FORBIDDEN = [(0x0, 0x8), (0xB, 0xC), (0xE, 0x1F), (0xD800, 0xDFFF), (0xFFFE, 0xFFFF)]
_DISCOURAGED = [(0x7F, 0x9F), (0xFDD0, 0xFDEF)] + [
    (plane * 0x10000 + 0xFFFE, plane * 0x10000 + 0xFFFF) for plane in range(1, 17)]
_UNFIT = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}"
                                  for low, high in _FORBIDDEN + _DISCOURAGED) + "]")
RFC822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                    r"Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} ([+-]\d{4}|GMT|UT)")
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def unfit_characters(text: str) -> list[str]:
    """Each character of `text` XML 1.0 forbids or discourages, as `U+XXXX`."""
    return [f"U+{ord(c):04X}" for c in _UNFIT.findall(text)]


def assert_strict(path: str, body: bytes) -> None:
    """Fail (AssertionError naming `path`) unless `body` is a strictly valid document of the
    format its suffix names (`.rss`, `.atom`, `.json`)."""
    try:
        text = body.decode("utf-8")  # strict: no invalid UTF-8, no encoded lone surrogate
    except UnicodeDecodeError as exc:
        raise AssertionError(f"{path}: not UTF-8: {exc}") from None
    bad = unfit_characters(text)
    assert not bad, f"{path}: characters XML 1.0 forbids or discourages: {bad[:10]}"
    fmt = path.rsplit(".", 1)[-1]
    if fmt == "json":
        _check_json_feed(path, body)
    elif fmt in ("rss", "atom"):
        root = _parse_xml(path, body)
        for value in _texts(root):  # character references (&#1;) included
            assert not unfit_characters(value), f"{path}: {unfit_characters(value)} in {value!r}"
        (_check_rss if fmt == "rss" else _check_atom)(path, root)
    else:
        raise AssertionError(f"{path}: no format called {fmt!r}")


def _parse_xml(path: str, body: bytes) -> Any:
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise AssertionError(f"{path}: not well-formed XML: {exc}") from None
    assert not parser.error_log, f"{path}: {parser.error_log}"
    assert not body.lstrip().startswith(b"<!DOCTYPE") and b"<!ENTITY" not in body, path
    return root


def _texts(root: Any) -> list[str]:
    values: list[str] = []
    for element in root.iter():
        values += [element.text or "", element.tail or "", *element.attrib.values()]
    return values


def _check_rss(path: str, root: Any) -> None:
    assert root.tag == "rss" and root.get("version") == "2.0", f"{path}: not RSS 2.0"
    channels = root.findall("channel")
    assert len(channels) == 1, f"{path}: {len(channels)} channels"
    channel = channels[0]
    for name in ("title", "link", "description"):  # RSS 2.0: required channel elements
        assert channel.find(name) is not None, f"{path}: channel has no <{name}>"
    _absolute(path, channel.findtext("link"))
    selves = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(selves) == 1, f"{path}: {len(selves)} atom:link rel=self"
    for link in channel.findall(f"{ATOM}link"):
        _absolute(path, link.get("href"))
    for name in ("pubDate", "lastBuildDate"):
        for element in channel.iter(name):
            _rfc822(path, element.text)
    guids = []
    for item in channel.findall("item"):
        assert item.find("title") is not None or item.find("description") is not None, (
            f"{path}: an item with neither title nor description")
        for link in item.findall("link"):
            _absolute(path, link.text)
        guid = item.find("guid")
        if guid is not None:
            assert guid.text, f"{path}: an empty guid"
            if guid.get("isPermaLink", "true") == "true":
                _absolute(path, guid.text)
            guids.append(guid.text)
        author = item.findtext("author")
        assert author is None or "@" in author, f"{path}: <author> must be an e-mail address"
        for category in item.findall("category"):
            assert category.text, f"{path}: an empty category"
    assert len(guids) == len(set(guids)), f"{path}: duplicate guids"


def _check_atom(path: str, root: Any) -> None:
    assert root.tag == f"{ATOM}feed", f"{path}: not an Atom feed"
    for name in ("id", "title", "updated"):  # RFC 4287 §4.1.1
        assert len(root.findall(f"{ATOM}{name}")) == 1, f"{path}: feed needs one atom:{name}"
    _absolute(path, root.findtext(f"{ATOM}id"))
    _rfc3339(path, root.findtext(f"{ATOM}updated"))
    feed_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    links = root.findall(f"{ATOM}link")
    assert [link.get("rel") for link in links].count("self") == 1, f"{path}: one rel=self"
    for link in links:
        assert link.get("href"), f"{path}: a link with no href"
        _absolute(path, link.get("href"))
    ids = []
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):  # RFC 4287 §4.1.2
            assert len(entry.findall(f"{ATOM}{name}")) == 1, f"{path}: entry needs one {name}"
        ids.append(entry.findtext(f"{ATOM}id"))
        _absolute(path, ids[-1])
        for name in ("updated", "published"):
            for element in entry.findall(f"{ATOM}{name}"):
                _rfc3339(path, element.text)
        assert feed_author or entry.find(f"{ATOM}author/{ATOM}name") is not None, (
            f"{path}: an entry with no author, in a feed with none")
        entry_links = entry.findall(f"{ATOM}link")
        alternates = [link for link in entry_links if link.get("rel", "alternate") == "alternate"]
        assert alternates or entry.find(f"{ATOM}content") is not None, (
            f"{path}: an entry with neither alternate link nor content")
        assert len({(link.get("type"), link.get("hreflang")) for link in alternates}) == len(
            alternates), f"{path}: two alternate links of one type and language"
        for link in entry_links:
            _absolute(path, link.get("href"))
        for content in entry.findall(f"{ATOM}content") + entry.findall(f"{ATOM}summary"):
            assert content.get("type", "text") in ("text", "html", "xhtml"), path
    assert len(ids) == len(set(ids)), f"{path}: duplicate entry ids"


def _check_json_feed(path: str, body: bytes) -> None:
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise AssertionError(f"{path}: not JSON: {exc}") from None
    for value in _strings(document):  # \u escapes included
        assert not unfit_characters(value), f"{path}: {unfit_characters(value)} in {value!r}"
    assert isinstance(document, dict), f"{path}: not an object"
    assert document.get("version") == JSON_FEED, f"{path}: version {document.get('version')}"
    assert isinstance(document.get("title"), str) and document["title"], f"{path}: no title"
    for key in ("home_page_url", "feed_url", "icon", "favicon"):
        if key in document:
            _absolute(path, document[key])
    for hub in document.get("hubs", []):
        assert isinstance(hub.get("type"), str) and hub["type"], f"{path}: a hub with no type"
        _absolute(path, hub.get("url"))
    _authors(path, document)
    assert isinstance(document.get("items"), list), f"{path}: items must be an array"
    ids = []
    for item in document["items"]:
        assert isinstance(item.get("id"), str) and item["id"], f"{path}: id must be a string"
        ids.append(item["id"])
        assert any(isinstance(item.get(key), str) for key in ("content_html", "content_text")), (
            f"{path}: item {item['id']} has neither content_html nor content_text")
        for key in ("url", "external_url", "image", "banner_image"):
            if key in item:
                _absolute(path, item[key])
        for key in ("date_published", "date_modified"):
            if key in item:
                _rfc3339(path, item[key])
        for key in ("title", "summary", "content_html", "content_text"):
            assert key not in item or isinstance(item[key], str), f"{path}: {key} not a string"
        assert isinstance(item.get("tags", []), list), f"{path}: tags must be an array"
        _authors(path, item)
    assert len(ids) == len(set(ids)), f"{path}: duplicate item ids"


def _authors(path: str, owner: dict[str, Any]) -> None:
    authors = owner.get("authors", [])
    assert isinstance(authors, list), f"{path}: authors must be an array"
    for author in authors:
        assert any(author.get(key) for key in ("name", "url", "avatar")), (
            f"{path}: an author with no name, url or avatar")
        for key in ("url", "avatar"):
            if key in author:
                _absolute(path, author[key])


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _absolute(path: str, url: str | None) -> None:
    parts = urlsplit(url or "")
    assert parts.scheme, f"{path}: {url!r} is not an absolute URL"
    assert parts.scheme == "tag" or (parts.scheme in ("http", "https") and parts.netloc), (
        f"{path}: {url!r} is not an absolute http(s) URL")
    assert not any(c.isspace() for c in url or ""), f"{path}: whitespace in {url!r}"


def _rfc822(path: str, text: str | None) -> None:
    assert text and RFC822.fullmatch(text), f"{path}: {text!r} is not an RFC 822 date"
    assert parsedate_to_datetime(text).strftime("%a") == text[:3], f"{path}: {text}: weekday"


def _rfc3339(path: str, text: str | None) -> None:
    assert text and RFC3339.fullmatch(text), f"{path}: {text!r} is not an RFC 3339 date"
    datetime.fromisoformat(text.replace("Z", "+00:00"))  # a real date and time


if __name__ == "__main__":  # python -m tests.feeds.strict <file>…
    for name in sys.argv[1:]:
        with open(name, "rb") as document:
            assert_strict(name, document.read())
        print(f"{name}: strict")
