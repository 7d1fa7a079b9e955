"""In process (no database, no broker): each XSS payload in every field of an article, a
comment and a feed — as the APIs render it, and as raw HTML an older version may have stored —
rendered to RSS, Atom and JSON Feed and read the way a feed reader reads them. What a reader
renders as HTML holds nothing executable; what it shows as text reads as typed."""

import html
import json
from datetime import UTC, datetime

import pytest
from lxml import etree

from services.feeds.comment_feeds import summary_of
from services.feeds.models import FeedArticle, FeedComment
from services.feeds.render import Feed, article_entry, comment_entry, render
from services.feeds.settings import FeedsSettings
from shared import markup
from tests.feeds.reader import ATOM, elements, executable, html_fields, untyped_atom_text
from tests.feeds.strict import assert_strict
from tests.feeds.xss_payloads import PAYLOADS

SETTINGS = FeedsSettings(site_url="https://burg.example", feeds_url="https://burg.example")
NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)


def documents(payload: str) -> dict[str, bytes]:
    """The payload as an article (through the markup, and as stored raw HTML), in its
    category's name and description, as a comment (nic and body, both ways), in one feed."""
    body_html = markup.render(f"[ed]{payload}[/ed] {payload}", commentary=True)
    articles = [FeedArticle(
        article_id=n, slug=f"a{n}", url=f"https://burg.example/articles/a{n}", title=payload,
        category_slug="c", category_name=payload, posted_by=payload, summary=summary,
        body_html=html_, published_at=NOON, updated_at=NOON)
        for n, (summary, html_) in enumerate([
            (markup.summary(payload, 300, commentary=True), body_html), (payload, payload)])]
    comments = [FeedComment(
        comment_id=n, article_id=1, article_title=payload, article_url="https://burg.example/a",
        nic=payload, summary=summary_of(html_), body_html=html_, created_at=NOON,
        updated_at=NOON) for n, html_ in enumerate([markup.render(payload), payload])]
    feed = Feed(path_stem="categories/c", title=f"Burg: {payload}", description=payload,
                page_url="https://burg.example/categories/c",
                entries=[article_entry(SETTINGS, a) for a in articles]
                + [comment_entry(SETTINGS, c) for c in comments])
    return render(SETTINGS, feed)


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_no_field_a_reader_renders_as_html_can_run_script(payload: str) -> None:
    for fmt, body in documents(payload).items():
        path = f"categories/c.{fmt}"
        assert_strict(path, body)
        problems = {where: executable(shown) for where, shown in html_fields(path, body)}
        assert not {where: found for where, found in problems.items() if found}, payload
        if fmt == "atom":
            assert untyped_atom_text(body) == []


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_text_fields_read_as_typed(payload: str) -> None:
    """RSS titles and descriptions are escaped HTML: a reader shows the text, as text (no
    element at all), once it has unescaped it; Atom and JSON Feed carry it as text."""
    docs = documents(payload)
    channel = etree.fromstring(docs["rss"]).find("channel")
    assert channel is not None
    item = channel.findall("item")[1]  # the article stored raw: its summary is the payload
    for element, typed in [(channel.find("title"), f"Burg: {payload}"),
                           (channel.find("description"), payload),
                           (item.find("title"), payload), (item.find("description"), payload)]:
        assert element is not None
        shown = element.text or ""
        assert elements(shown) == [], (element.tag, shown)
        assert html.unescape(shown) == typed
    atom = etree.fromstring(docs["atom"]).findall(f"{ATOM}entry")[1]
    assert atom.find(f"{ATOM}title").get("type") == "text"
    assert atom.findtext(f"{ATOM}title") == payload
    assert atom.find(f"{ATOM}summary").get("type") == "text"
    assert atom.findtext(f"{ATOM}summary") == payload
    entry = json.loads(docs["json"])["items"][1]
    assert (entry["title"], entry["summary"]) == (payload, payload)
