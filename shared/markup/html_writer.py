"""Blocks to HTML. Every piece of text and every URL is escaped here; nh3 checks afterwards."""

from html import escape

from shared.markup.nodes import Block, BulletList, Image, Link, Mark, Node, Paragraph

REL = "nofollow ugc noopener"
_FORMATS = {
    "b": ("<strong>", "</strong>"),
    "i": ("<em>", "</em>"),
    "u": ("<u>", "</u>"),
    "s": ("<s>", "</s>"),
    "small": ("<small>", "</small>"),
    "big": ('<span class="big">', "</span>"),  # <big> is obsolete in HTML5
    # An <em>, so the editor's words stand apart from the quoted news even without CSS.
    "ed": ('<em class="commentary">', "</em>"),
}


def blocks_html(blocks: list[Block]) -> str:
    """The HTML of `blocks`, unsanitised."""
    return "".join(_block(block) for block in blocks)


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_inlines(block.inlines)}</p>"
    if isinstance(block, BulletList):
        return "<ul>" + "".join(f"<li>{_inlines(item)}</li>" for item in block.items) + "</ul>"
    return f"<blockquote>{blocks_html(block.blocks)}</blockquote>"


def _inlines(nodes: list[Node]) -> str:
    return "".join(_inline(node) for node in nodes)


def _inline(node: Node) -> str:
    if isinstance(node, str):
        return escape(node, quote=False)
    if isinstance(node, Mark):  # only line breaks are left inside a paragraph
        return "<br>"
    if isinstance(node, Link):
        label = escape(node.label, quote=False)
        return f'<a href="{_attribute(node.href)}" rel="{REL}">{label}</a>'
    if isinstance(node, Image):
        # No width or height: the foto class limits the size, whatever the picture's.
        return f'<img src="{_attribute(node.src)}" alt="" loading="lazy" class="foto">'
    start, end = _FORMATS[node.name]
    return start + _inlines(node.children) + end


def _attribute(value: str) -> str:
    # Escaped the way nh3 writes attributes, so sanitising correct output changes nothing.
    return escape(value, quote=False).replace('"', "&quot;")
