"""HTML as the writer makes it is read without a second pass of the sanitiser
(`shared/markup/summary.py`): the words and lines must be exactly those of the sanitised HTML,
whatever the HTML, hostile or not, and the writer's HTML must take that way."""

import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.markup import render
from shared.markup.sanitise import sanitise
from shared.markup.summary import html_text, html_words
from tests.feeds.xss_payloads import PAYLOADS
from tests.hostile_text import bounded, hostile
from tests.shared.hostile_html import WRAPPERS

# The module (`shared.markup.summary` as an attribute is the package's function of that name).
summary = importlib.import_module("shared.markup.summary")

# Pieces of HTML to string together at random: the tags the sanitiser keeps, open and
# closed anywhere, and what it drops or a parser repairs.
PIECES = st.sampled_from([
    "<p>", "</p>", "<blockquote>", "</blockquote>", "<ul>", "</ul>", "<li>", "</li>", "<br>",
    "</br>", "<br/>", "<em>", "</em>", "<strong>", "</strong>", '<span class="big">', "</span>",
    '<a href="https://example.org/">', '<a href="javascript:alert(1)">', "</a>",
    '<img src="https://example.org/a.png" alt="" loading="lazy" class="foto">', "<img src=x>",
    "</img>", "<script>", "</script>", "<style>", "</style>", "<textarea>", "</textarea>",
    "<div>", "</div>", "<!-- c -->", "<!DOCTYPE html>", "<?pi?>", "<![CDATA[x]]>", "<", ">",
    "&", "&amp;", "&lt;b&gt;", "&#0;", "&#x80;", "&nbsp;", "&amp", "\x00", "\ufeff", "\r\n",
    "\n", " ", "word", "Wort", "<P>", "</P>", '<a href="a>b">', "<em", "<p x=1", "</"])


def reference(html: str) -> tuple[str, str]:
    """(words, lines) as they were always read: from the sanitised HTML."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(summary, "_read", _read_sanitised)
        return html_words(html), html_text(html)


def _read_sanitised(html: str) -> str:
    reader = summary._Words()
    reader.feed(sanitise(summary._SURROGATES.sub("", html)))
    reader.close()
    return "".join(reader.parts)


def fast_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(html: str) -> str:
        raise AssertionError(f"sanitised again: {html!r}")
    monkeypatch.setattr(summary, "sanitise", refused)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_xss_payload_reads_as_its_sanitised_html(payload: str) -> None:
    for html in (payload, f"<p>{payload}</p>", f"<ul><li>{payload}</li></ul>",
                 render(payload)):
        assert (html_words(html), html_text(html)) == reference(html), html


@bounded(400)
@given(st.lists(PIECES, max_size=30))
def test_any_tag_soup_reads_as_its_sanitised_html(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert (html_words(html), html_text(html)) == reference(html)


@bounded(200)
@given(hostile(2_000), hostile(200), WRAPPERS)
def test_hostile_html_reads_as_its_sanitised_html(first: str, second: str,
                                                  wrapper: str) -> None:
    raw = wrapper.format(first, second) if wrapper.count("{}") == 2 else wrapper.format(first)
    assert (html_words(raw), html_text(raw)) == reference(raw)


@bounded(300)
@given(hostile(2_000))
def test_the_writers_html_is_not_sanitised_again(text: str) -> None:
    body_html = render(text)  # sanitised once, as the comments service stores it
    expected = reference(body_html)
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast_only(monkeypatch)
        assert (html_words(body_html), html_text(body_html)) == expected


def test_quotes_lists_links_and_pictures_are_not_sanitised_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    body_html = render("[quote]Said [b]so[/b]:\n\n* one\n* two https://example.org/x[/quote]\n\n"
                       "Yes &amp; no [i]really[/i]\nnext line")
    expected = reference(body_html)
    fast_only(monkeypatch)
    assert (html_words(body_html), html_text(body_html)) == expected
