"""A comment's HTML as plain text (`shared/markup/summary.py`), the one way feeds and notify
read it: over hostile text, as the site's markup renders it and as raw HTML from anywhere."""

import html
import re

import nh3
from hypothesis import given
from hypothesis import strategies as st

from shared.markup import render
from shared.markup.summary import ELLIPSIS, html_summary, html_text, html_words
from tests.hostile_text import bounded, hostile
from tests.shared.hostile_html import SECRET, WRAPPERS


def as_text_before(body_html: str) -> str:
    """notify's rule as first written (patterns over the markup, then nh3), lines squeezed:
    the shared reader keeps its lines."""
    spaced = re.sub(r"(?i)<br\s*/?>|</(p|li|blockquote)>", "\n", body_html)
    text = html.unescape(nh3.clean(spaced, tags=set()))
    lines = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", lines).strip("\n")


@bounded(300)
@given(hostile(2_000))
def test_rendered_markup_reads_as_notify_read_it_before(text: str) -> None:
    body_html = render(text)
    assert html_text(body_html) == as_text_before(body_html)


@bounded(300)
@given(hostile(2_000), hostile(200), WRAPPERS)
def test_hostile_html_reads_as_words_and_lines_only(first: str, second: str,
                                                     wrapper: str) -> None:
    raw = wrapper.format(first, second) if wrapper.count("{}") == 2 else wrapper.format(first)
    text, words = html_text(raw), html_words(raw)
    for shown in (text, words, html_summary(raw, 50)):
        assert SECRET not in shown  # a script's, a style's, a comment's or an attribute's text
    assert " ".join(text.split()) == words  # the lines hold the same words as the one line
    assert "\n\n\n" not in text and text == text.strip()
    assert all(line == " ".join(line.split()) for line in text.split("\n"))
    assert "\n" not in words and not re.search(r"[\ud800-\udfff]", text)


@bounded(200)
@given(hostile(2_000), st.integers(min_value=1, max_value=300))
def test_a_summary_is_its_words_cut_near_the_limit(text: str, limit: int) -> None:
    words = html_words(render(text))
    summary = html_summary(render(text), limit)
    if len(words) <= limit:
        assert summary == words
    else:
        assert summary.endswith(ELLIPSIS) and len(summary) <= limit + 1
        assert words.startswith(summary[:-1])


def test_paragraphs_breaks_quotes_and_items_end_lines() -> None:
    body_html = ("<blockquote><p>q1</p><p>q2</p></blockquote><p>a<br>b &amp; "
                 "<strong>Im</strong>portant</p><ul><li>1</li><li>2</li></ul>")
    assert html_text(body_html) == "q1\nq2\n\na\nb & Important\n1\n2"
    assert html_words(body_html) == "q1 q2 a b & Important 1 2"
