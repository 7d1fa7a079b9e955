"""Summaries and plain text: what a reader of a parsed document sees, without its markup.

A summary is read where no markup is: a teaser, a feed's `<description>`. So it is made from
the markup's tokens (or from rendered HTML, for a reader that only has that), never from the
text as typed: no tag of the site markup, no `> ` of a quote, no line break survives. Only
the tokens the summary needs are read, however long the text.

A service that holds only a comment's HTML (feeds, notify) reads it here, with the standard
library's HTML parser after the site's sanitiser (or without it, when the HTML is such as
the site's writer makes, which it would leave as it is), never with patterns over the markup:
`html_summary` for one line, `html_text` for the lines of a plain-text e-mail.
"""

import re
from collections.abc import Iterable
from html.parser import HTMLParser

from shared.markup.nodes import Link, Mark, Token
from shared.markup.sanitise import TAGS, sanitise

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


def html_summary(html: str, limit: int) -> str:
    """Any HTML as a summary: the words a reader of it sees, on one line, cut at a word
    boundary near `limit` characters with an ellipsis (see `html_words`)."""
    return cut(html_words(html), limit)


def html_words(html: str) -> str:
    """The words of HTML on one line, as a reader of it sees them: sanitised first (a
    script's or a style's text is no word of it), tags dropped, entities decoded (text: who
    shows it as HTML escapes it), and a space only where the HTML breaks a line or a block
    (`<b>Im</b>portant` stays one word)."""
    return _squeeze(_read(html))


def html_text(html: str) -> str:
    """Any HTML as plain text: as `html_words`, but each paragraph, list item, quote and
    `<br>` ends a line, with at most one empty line in a row, and no space at a line's ends."""
    lines = [_squeeze(line) for line in _read(html).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


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


def _read(html: str) -> str:
    """The text of sanitised `html`, with "\n" where a line or a block ends and a space where
    one starts (both whitespace to `_squeeze`).

    HTML the site's writer made (a comment's, sanitised where it was stored) is read as it
    is: what the sanitiser would change in such HTML (attributes) is no word of it. Anything
    else (a tag it drops, a comment, nesting a browser would repair) is sanitised and read
    again, so the words are always those of the sanitised HTML."""
    html = _SURROGATES.sub("", html)  # nh3 cannot take a lone surrogate
    if not _ODD.search(html):
        reader = _Words()
        reader.feed(html)
        reader.close()
        # Every `<` opened a tag it read (none is text a parser would read otherwise).
        if reader.plain and not reader.unclosed and reader.tags == html.count("<"):
            return "".join(reader.parts)
    reader = _Words()
    reader.feed(sanitise(html))
    reader.close()
    return "".join(reader.parts)


_SURROGATES = re.compile("[\ud800-\udfff]")
_BLANK_LINES = re.compile("\n{3,}")
# Where a browser would start a new line: a space in the words, a line's end in the text.
_BREAKS = frozenset({"p", "br", "blockquote", "ul", "ol", "li", "div", "h1", "h2", "h3",
                     "h4", "h5", "h6", "hr", "pre", "table", "tr", "td", "th"})
_LINE_ENDS = frozenset({"p", "blockquote", "li"})  # of what the sanitiser keeps (and <br>)


# Text the sanitiser's parser reads otherwise than ours (it drops a NUL, and a byte order
# mark at the start).
_ODD = re.compile("[\x00\ufeff]")
# What the writer nests, and so what the sanitiser's parser keeps as it is: a block only
# in a quote or a list item (a list item only in a list), no link in a link.
_VOID = frozenset({"br", "img"})
_BLOCKS = frozenset({"p", "blockquote", "ul", "li"})
_HOLDS_BLOCKS = frozenset({"blockquote", "li"})


class _Words(HTMLParser):
    """The words of HTML, and whether it is HTML as the writer makes it (`plain`, nothing
    left `unclosed` at its end): only the tags the sanitiser keeps, nested the way the writer
    nests them, no comment or declaration."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.plain, self.tags = True, 0  # tags read
        self.unclosed: list[str] = []  # the elements open, innermost last

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        if self.plain:
            self._check_start(tag)
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.tags += 1
        if self.plain and (not self.unclosed or self.unclosed.pop() != tag):
            self.plain = False
        if tag in _LINE_ENDS:
            self.parts.append("\n")
        elif tag in _BREAKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.plain = False  # `<br/>`: not how the writer (or the sanitiser) writes it
        super().handle_startendtag(tag, attrs)

    def handle_data(self, data: str) -> None:
        # A line break in the HTML's source is no line break on the page.
        self.parts.append(data.replace("\n", " ").replace("\r", " "))

    def handle_comment(self, data: str) -> None:
        self.plain = False

    def handle_decl(self, decl: str) -> None:
        self.plain = False

    def handle_pi(self, data: str) -> None:
        self.plain = False

    def unknown_decl(self, data: str) -> None:
        self.plain = False

    def _check_start(self, tag: str) -> None:
        parent = self.unclosed[-1] if self.unclosed else None
        if tag == "li":
            self.plain = parent == "ul"
        elif tag in _BLOCKS:
            self.plain = parent is None or parent in _HOLDS_BLOCKS
        else:
            self.plain = tag in TAGS and parent != "ul" and not (
                tag == "a" and "a" in self.unclosed)
        if tag not in _VOID:
            self.unclosed.append(tag)
