"""Summaries: the words of a parsed document on one line, cut at a word boundary.

A summary is read where no markup is: a teaser, a feed's `<description>`. So it is made from
the markup's tokens (or from rendered HTML, for a reader that only has that), never from the
text as typed: no tag of the site markup, no `> ` of a quote, no line break survives. Only
the tokens the summary needs are read, however long the text.
"""

from collections.abc import Iterable
from html.parser import HTMLParser

from shared.markup.nodes import Link, Mark, Token

ELLIPSIS = "\u2026"
# Trailing characters that read badly right before an ellipsis ("word, …").
_DANGLING = " \t,;:-\u2013\u2014(["


def token_words(tokens: Iterable[Token], limit: int) -> str:
    """The words of a markup's tokens on one line, read only until there are more than
    `limit` characters of them: every tag of the site markup left out (matched or not: a
    summary shows no `[quote]`), line ends and list items as spaces, links by their label (a
    bare link by its address), pictures left out."""
    parts: list[str] = []
    size, check_at = 0, limit
    for token in tokens:
        if isinstance(token, str):
            parts.append(token)
        elif isinstance(token, Mark):
            parts.append(" ")
        elif isinstance(token, Link):
            parts.append(token.label if token.named else token.href)
        else:  # Open, Close, Image
            continue
        size += len(parts[-1])
        if size > check_at:  # squeezed, is it long enough? (checked at doubling sizes)
            words = _squeeze("".join(parts))
            if len(words) > limit:
                return words
            check_at = 2 * size
    return _squeeze("".join(parts))


def html_words(html: str) -> str:
    """The words of sanitised HTML on one line: tags dropped, entities decoded, and a space
    only where the HTML breaks a line or a block (`<b>Im</b>portant` stays one word)."""
    reader = _Words()
    reader.feed(html)
    reader.close()
    return _squeeze("".join(reader.parts))


def cut(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its words up to there and an ellipsis
    (a single word longer than `limit` is cut inside)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if text[limit] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(_DANGLING) + ELLIPSIS


def _squeeze(text: str) -> str:
    return " ".join(text.split())


# Where a browser would start a new line: a space in the words.
_BREAKS = frozenset({"p", "br", "blockquote", "ul", "ol", "li", "div", "h1", "h2", "h3",
                     "h4", "h5", "h6", "hr", "pre", "table", "tr", "td", "th"})


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
