"""Blocks to plain text for summaries and e-mail: tags dropped, URLs kept, quotes as `> `."""

from shared.markup.nodes import Block, BulletList, Image, Link, Mark, Node, Paragraph


def blocks_text(blocks: list[Block]) -> str:
    """The plain text of `blocks`, paragraphs separated by a blank line."""
    return "\n\n".join(_block(block) for block in blocks)


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return _inlines(block.inlines)
    if isinstance(block, BulletList):
        return "\n".join(f"- {_inlines(item)}" for item in block.items)
    quoted = blocks_text(block.blocks).split("\n")
    return "\n".join(f"> {line}" if line else ">" for line in quoted)


def _inlines(nodes: list[Node]) -> str:
    return "".join(_inline(node) for node in nodes)


def _inline(node: Node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, Mark):
        return "\n"
    if isinstance(node, Link):
        # A squished or photo link's label says less than its URL, so only the URL is kept.
        named = node.named and node.label != node.href
        return f"{node.label} ({node.href})" if named else node.href
    if isinstance(node, Image):
        return node.src
    return _inlines(node.children)
