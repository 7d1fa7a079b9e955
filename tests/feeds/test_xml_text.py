"""In-process: no text can make a feed fail to render, or render into a document a strict
client refuses. The cleaner is judged by a checker written from XML 1.0 itself
(`tests/feeds/strict.py`), over tricky characters and over every code point there is."""

from datetime import UTC, datetime

import pytest
from lxml import etree

from services.feeds.render import Entry, Feed, render
from services.feeds.settings import FeedsSettings
from services.feeds.xmltext import xml_text
from tests.feeds.strict import assert_strict, unfit_characters

TRICKY = [
    "Poison\uffffNic", "\ufffe", "\x00", "\x01\x02\x03", "\x08", "\x0b", "\x0c", "\x1b[31m",
    "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\ud800", "\udfff", "\ud83d", "a\udc00b",
    "\ufdd0", "\ufdef", "\U0001fffe", "\U0001ffff", "\U0010fffe", "\U0010ffff",
    "tab\tline\nreturn\r", "\u2028\u2029", "\u202e RTL override", "\u200b\u200d\ufeff",
    "e\u0301\u0301\u0301 combining", "\U0001f4a9 \U0001f1fa\U0001f1f8", "\ue000 private",
    "]]>", "<![CDATA[x]]>", "&amp; &#0; &#xFFFF;", "<b>not markup</b>", "=?utf-8?q?=0A?=",
    "\u0645\u0631\u062d\u0628\u0627 Arabic", "x" * 100_000,
]
EVERY_CODE_POINT = "".join(chr(n) for n in range(0x110000))


@pytest.mark.parametrize("text", [*TRICKY, EVERY_CODE_POINT], ids=lambda t: repr(t[:12]))
def test_cleaned_text_holds_nothing_xml_forbids_or_discourages(text: str) -> None:
    cleaned = xml_text(text)
    assert unfit_characters(cleaned) == []
    etree.Element("e").text = cleaned  # lxml takes it (it refuses what XML forbids)
    cleaned.encode("utf-8")  # no lone surrogate is left either


@pytest.mark.parametrize("text", TRICKY, ids=lambda t: repr(t[:12]))
def test_fit_characters_are_kept_and_unfit_ones_replaced_one_for_one(text: str) -> None:
    cleaned = xml_text(text)
    assert len(cleaned) == len(text)
    for before, after in zip(text, cleaned, strict=True):
        assert after == (before if not unfit_characters(before) else "\ufffd")


def test_fit_text_is_left_as_it_is() -> None:
    fit = "".join(c for c in EVERY_CODE_POINT if not unfit_characters(c))
    assert xml_text(fit) == fit


@pytest.mark.parametrize("text", [*TRICKY, EVERY_CODE_POINT], ids=lambda t: repr(t[:12]))
def test_a_feed_of_any_text_renders_strictly_valid_documents(text: str) -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    entry = Entry(id="tag:burg.example,2025:comment-1", title=f"{text} on \u201c{text}\u201d",
                  link="https://burg.example/articles/a#comment-1", author=text, published=now,
                  updated=now, summary=text, content_html=f"<p>{text}</p>",
                  category=("world", text))
    feed = Feed(path_stem="articles/1/comments", title=text, description=text,
                page_url="https://burg.example/articles/a#comments", entries=[entry])
    settings = FeedsSettings(feeds_url="https://burg.example", site_url="https://burg.example")
    for fmt, body in render(settings, feed).items():
        assert_strict(f"articles/1/comments.{fmt}", body)
