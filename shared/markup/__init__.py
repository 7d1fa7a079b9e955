"""Site markup — the comment toolbar's square-bracket tags — to safe HTML or to plain text.

The text goes through small steps, each in its own module: `lexer` (tokens), `parser` (a tree
matched with a stack; unmatched tags turn back into text), `blocks` (paragraphs, lists and
quotes), then `html_writer` and `sanitise` (nh3) for `render`, `text_writer` for `to_text`, or
`summary` for `summary`.
"""

import re

from shared.markup.blocks import blocks
from shared.markup.html_writer import blocks_html
from shared.markup.lexer import tokenize
from shared.markup.nodes import Block
from shared.markup.parser import parse
from shared.markup.sanitise import sanitise
from shared.markup.summary import cut, token_words
from shared.markup.text_writer import blocks_text

__all__ = ["render", "summary", "to_text"]

_FORMATTING = frozenset({"b", "i", "u", "s", "small", "big", "quote"})
_WITH_COMMENTARY = _FORMATTING | {"ed"}
# Characters XML 1.0 forbids (a feed or an e-mail would break on them) and lone surrogates,
# which nh3 cannot take.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(text: str, *, commentary: bool = False) -> str:
    """Site markup to sanitised HTML.

    `commentary=True` is for article bodies: it also accepts the editor's `[ed]…[/ed]`, which
    in a comment is shown as typed.
    """
    tags = _WITH_COMMENTARY if commentary else _FORMATTING
    return sanitise(blocks_html(_blocks(text, tags)))


def to_text(text: str) -> str:
    """Site markup to plain text (tags dropped, URLs kept) for summaries and e-mail.

    `[ed]` tags are dropped as well, so an article body's summary reads cleanly.
    """
    return blocks_text(_blocks(text, _WITH_COMMENTARY))


def summary(text: str, limit: int, *, commentary: bool = False) -> str:
    """Site markup to a summary: its words on one line, read from the lexer's tokens (no tag
    of the markup, no quote marks, no line breaks), cut at a word boundary near `limit`
    characters with an ellipsis."""
    tags = _WITH_COMMENTARY if commentary else _FORMATTING
    return cut(token_words(tokenize(_clean(text), tags), limit), limit)


def _blocks(text: str, tags: frozenset[str]) -> list[Block]:
    return blocks(parse(tokenize(_clean(text), tags)))


def _clean(text: str) -> str:
    return _ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
