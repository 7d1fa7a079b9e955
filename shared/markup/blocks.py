"""A parsed tree to blocks: paragraphs, bullet lists and quotes, in reading order."""

from collections.abc import Iterator

from shared.markup.nodes import Block, BulletList, Element, Mark, Node, Paragraph, Quote
from shared.markup.parser import QUOTE


def blocks(container: Element) -> list[Block]:
    """The blocks of the whole text or of one quote."""
    builder = _Builder()
    for node in _hoist(container.children):
        if node is Mark.ITEM:
            builder.end_run()
            builder.in_item = True
        elif node is Mark.ITEM_END:
            builder.end_run()
        elif node is Mark.PARAGRAPH:
            builder.end_run()
            builder.end_list()
        elif isinstance(node, Element) and node.name == QUOTE:
            builder.end_run()
            builder.end_list()
            builder.out.append(Quote(blocks(node)))
        else:
            builder.run.append(node)
    builder.end_run()
    builder.end_list()
    return builder.out


class _Builder:
    """The blocks so far, and the inline run (a paragraph or a list item) being collected."""

    def __init__(self) -> None:
        self.out: list[Block] = []
        self.run: list[Node] = []
        self.in_item = False
        self.items: list[list[Node]] = []

    def end_run(self) -> None:
        run = _trim(self.run)
        if self.in_item:
            self.items.append(run)
        elif run:
            self.end_list()
            self.out.append(Paragraph(run))
        self.run, self.in_item = [], False

    def end_list(self) -> None:
        if self.items:
            self.out.append(BulletList(self.items))
            self.items = []


def _hoist(nodes: list[Node]) -> Iterator[Node]:
    """`nodes` with paragraph and item breaks lifted out of the formatting around them, so a
    matched [b] or [ed] spanning two paragraphs becomes one in each."""
    for node in nodes:
        if not isinstance(node, Element) or node.name == QUOTE:
            yield node
            continue
        piece: list[Node] = []
        split = False
        for child in _hoist(node.children):
            if isinstance(child, Mark) and child is not Mark.NEWLINE:
                if piece:
                    yield Element(node.name, node.raw, piece)
                yield child
                piece, split = [], True
            else:
                piece.append(child)
        if piece or not split:
            yield Element(node.name, node.raw, piece)


def _trim(run: list[Node]) -> list[Node]:
    """`run` without the line breaks and spaces at its edges."""
    start, end = 0, len(run)
    while start < end and _blank(run[start]):
        start += 1
    while end > start and _blank(run[end - 1]):
        end -= 1
    trimmed = run[start:end]
    if trimmed and isinstance(trimmed[0], str):
        trimmed[0] = trimmed[0].lstrip()
    if trimmed and isinstance(trimmed[-1], str):
        trimmed[-1] = trimmed[-1].rstrip()
    return trimmed


def _blank(node: Node) -> bool:
    return node is Mark.NEWLINE or (isinstance(node, str) and not node.strip())
