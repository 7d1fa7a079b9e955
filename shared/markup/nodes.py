"""What markup is made of on its way to HTML: the lexer's tokens, the parser's tree, and the
blocks (paragraphs, bullet lists, quotes) both writers walk."""

from dataclasses import dataclass, field
from enum import Enum


class Mark(Enum):
    """A line ending, and what it means where it stands."""

    NEWLINE = "newline"  # a single line break inside a paragraph: <br>
    PARAGRAPH = "paragraph"  # one or more blank lines: ends a paragraph or a list
    ITEM = "item"  # `[*]` at the start of a line: starts a list item
    ITEM_END = "item_end"  # the end of a `[*]` line


@dataclass(frozen=True)
class Open:
    """An opening tag such as `[b]`; `raw` is what was typed, shown if it is never closed."""

    name: str
    raw: str


@dataclass(frozen=True)
class Close:
    """A closing tag such as `[/b]`; `raw` is shown if no open tag matches it."""

    name: str
    raw: str


@dataclass(frozen=True)
class Link:
    """A checked link; `named` when the writer chose the label (`[url=…]label[/url]`)."""

    href: str
    label: str
    named: bool = False


@dataclass(frozen=True)
class Image:
    """A checked inline picture (`[foto]`)."""

    src: str


@dataclass
class Element:
    """A matched pair of tags and what it encloses; the whole text is an element named ""."""

    name: str
    raw: str
    children: list["Node"] = field(default_factory=list)


Node = str | Mark | Link | Image | Element
Token = str | Mark | Link | Image | Open | Close


@dataclass
class Paragraph:
    inlines: list[Node]


@dataclass
class BulletList:
    items: list[list[Node]]


@dataclass
class Quote:
    blocks: list["Block"]


Block = Paragraph | BulletList | Quote
