"""Summaries: the words of a parsed document on one line, cut at a word boundary.

A summary is read where no markup is: a teaser, a feed's `<description>`. So it is made from
the parsed blocks (or from rendered HTML, for a reader that only has that), never from the
text as typed: no tag of the site markup, no `> ` of a quote, no line break survives.
"""

from html.parser import HTMLParser

from shared.markup.nodes import Block, BulletList, Image, Link, Mark, Node, Paragraph

ELLIPSIS = "\u2026"
# Trailing characters that read badly right before an ellipsis ("word, …").
_DANGLING = " \t,;:-\u2013\u2014(["


def blocks_words(blocks: list[Block]) -> str:
    """The words of `blocks` in reading order, on one line: quotes and lists flattened,
    links by their label (a bare link by its address), pictures left out."""
    return _squeeze(" ".join(_block(block) for block in blocks))


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


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return _inlines(block.inlines)
    if isinstance(block, BulletList):
        return " ".join(_inlines(item) for item in block.items)
    return blocks_words(block.blocks)


def _inlines(nodes: list[Node]) -> str:
    return "".join(_inline(node) for node in nodes)


def _inline(node: Node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, Mark):
        return " "
    if isinstance(node, Link):
        return node.label if node.named else node.href
    if isinstance(node, Image):
        return ""
    return _inlines(node.children)


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
