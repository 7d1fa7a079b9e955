"""Site markup to a flat stream of tokens, one line at a time.

Line endings become marks (line break, paragraph, list item), known tags become Open and Close
tokens, and link and picture tags are checked here whole, because their body is a URL or a
label, never more markup. Everything else stays text.
"""

import re
from collections.abc import Iterator

from shared.markup.nodes import Close, Image, Link, Mark, Open, Token
from shared.markup.urls import SECURE, WEB, safe_url, split_trailing, squish_label

_TAGS = re.compile(
    # A link or picture tag closed on the same line. Its body stops short of another such tag,
    # and both parts have a length limit, so a line full of unclosed tags stays linear.
    r"\[(?P<verbatim>url|squish|foto|photo)(?:=(?P<arg>[^\[\]]{0,2000}))?\]"
    r"(?P<body>(?:(?!\[(?:url|squish|foto|photo)\b).){0,2000}?)\[/(?P=verbatim)\]"
    # The same tags never closed: kept whole, so a URL given as the argument is not linked.
    r"|\[(?:url|squish|foto|photo)(?:=[^\[\]]{0,2000})?\]"
    r"|\[(?P<slash>/)?(?P<tag>b|i|u|s|small|big|quote|ed)\]"
    r"|(?P<bare>https?://[^\s<>\[\]\"]+)",
    re.IGNORECASE,
)
_BULLET = re.compile(r"[ \t]*\[\*\][ \t]*")


def tokenize(text: str, tags: frozenset[str]) -> Iterator[Token]:
    """The tokens of `text` (with `\\n` line ends); tags not in `tags` stay text."""
    started = after_blank = in_item = False
    for line in text.split("\n"):
        if not line.strip():
            after_blank = started
            continue
        bullet = _BULLET.match(line)
        if after_blank:
            yield Mark.PARAGRAPH
        elif in_item:
            yield Mark.ITEM_END
        elif started and not bullet:  # an item starts on a line of its own anyway
            yield Mark.NEWLINE
        if bullet:
            yield Mark.ITEM
            line = line[bullet.end() :]
        yield from _line(line, tags)
        started, after_blank, in_item = True, False, bool(bullet)


def _line(line: str, tags: frozenset[str]) -> Iterator[Token]:
    done = 0
    for match in _TAGS.finditer(line):
        if match.start() > done:
            yield line[done : match.start()]
        yield from _tokens(match, tags)
        done = match.end()
    if done < len(line):
        yield line[done:]


def _tokens(match: re.Match[str], tags: frozenset[str]) -> Iterator[Token]:
    if match["verbatim"]:
        # A bad URL leaves the whole tag as typed, so the reader sees what was attempted.
        yield _verbatim(match["verbatim"].lower(), match["arg"], match["body"]) or match[0]
    elif match["tag"]:
        name = match["tag"].lower()
        if name not in tags:
            yield match[0]
        else:
            yield Close(name, match[0]) if match["slash"] else Open(name, match[0])
    elif match["bare"]:
        url, punctuation = split_trailing(match["bare"])
        href = safe_url(url)
        yield Link(href, url) if href else url
        if punctuation:
            yield punctuation
    else:
        yield match[0]


def _verbatim(name: str, arg: str | None, body: str) -> Link | Image | None:
    if name == "url":
        if arg is None:
            href = safe_url(body)
            return Link(href, href) if href else None
        href, label = safe_url(arg), body.strip()
        return Link(href, label or href, named=bool(label)) if href else None
    href = safe_url(body, SECURE if name == "foto" else WEB)
    if arg is not None or href is None:
        return None
    if name == "foto":
        return Image(href)
    return Link(href, squish_label(href) if name == "squish" else "photo")
