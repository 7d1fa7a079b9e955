"""Tokens to a tree, with a stack that matches each close tag to the nearest open one.

A tag that finds no partner is never dropped: it goes back into the text exactly as typed, so
unclosed or misnested markup shows as the commenter typed it and the HTML stays balanced.
"""

from collections.abc import Iterable

from shared.markup.nodes import Close, Element, Open, Token

ROOT = ""
QUOTE = "quote"
# Far more than any real text nests; it bounds the writers' recursion on hostile input.
MAX_DEPTH = 32


def parse(tokens: Iterable[Token]) -> Element:
    """The tree of `tokens`: the whole text as an element named ROOT."""
    stack = [Element(ROOT, "")]
    for token in tokens:
        if isinstance(token, Open):
            _open(stack, token)
        elif isinstance(token, Close):
            _close(stack, token)
        else:
            stack[-1].children.append(token)
    _unwind(stack, 0)
    return stack[0]


def _open(stack: list[Element], token: Open) -> None:
    if token.name == QUOTE:
        # A quote is a block, and inline formatting can't hold a block: what is still open
        # around it can no longer be closed properly, so it is shown as typed.
        blocks = [depth for depth, element in enumerate(stack) if element.name in (ROOT, QUOTE)]
        _unwind(stack, blocks[-1])
    if len(stack) > MAX_DEPTH:
        stack[-1].children.append(token.raw)
        return
    element = Element(token.name, token.raw)
    stack[-1].children.append(element)
    stack.append(element)


def _close(stack: list[Element], token: Close) -> None:
    for depth in range(len(stack) - 1, 0, -1):
        if stack[depth].name == token.name:
            _unwind(stack, depth)
            stack.pop()
            return
        if stack[depth].name == QUOTE:
            break  # formatting opened outside a quote can't be closed inside it
    stack[-1].children.append(token.raw)


def _unwind(stack: list[Element], depth: int) -> None:
    """Give up on every element above `depth`: its open tag becomes text again."""
    while len(stack) > depth + 1:
        element = stack.pop()
        siblings = stack[-1].children
        siblings.pop()  # the element itself: an open element is always its parent's last child
        siblings.extend([element.raw, *element.children])
