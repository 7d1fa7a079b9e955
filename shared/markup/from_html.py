"""HTML (an imported article or comment, or Burg's own exported `body_html`) to site markup.

What maps: b/strong → [b], i/em/cite → [i], u/ins → [u], s/strike/del → [s], small, big and
span.big → [big], em.commentary → [ed] (article bodies; in a comment it is [i]), blockquote →
[quote], ul/ol/li → "[*] " lines (nested lists flattened), p/div/headings/tables' rows →
paragraphs (headings bold), br → a line break, a[href] → [url=…]label[/url] (or the bare URL,
[squish] or [photo] when the label says so), img → [foto] over https, [photo] over http, its
alt text for an emoji or an unusable address. Text keeps its line ends, as WordPress stores it
("autop": a blank line is a paragraph, a newline a line break).

What does not: any other tag is dropped and its text kept; script, style, iframe, object and
the like are dropped with their text; comments and attributes other than href/src/class/alt
are ignored; a link to anything but http(s) keeps only its label. A tag with a "<" inside an
attribute value (which HTML writers escape as "&lt;") is shown as text. Whatever the source, the
text comes out as the API stores a body (shared/text.py): one kind of line break, no control
characters.

The markup has no escape, so text that looks like markup stays as it is when the markup
leaves it as text anyway (an unmatched "[b]", which is how Burg's own HTML carries it: its
export reads back as the same page). Only when such text would turn into formatting, a list,
a quote, a link or a picture is every "[" of a tag or "[*]" in the text followed by an
invisible WORD JOINER (U+2060): the page then shows the characters the HTML showed. (A URL in
text does become a link, as a typed one does.)
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from shared.markup import render
from shared.markup.lexer import tokenize
from shared.markup.nodes import Image, Link
from shared.markup.parser import MAX_DEPTH
from shared.markup.summary import html_text
from shared.markup.urls import SECURE, safe_url, squish_label
from shared.text import UNCARRIABLE

_DROPPED = frozenset({"script", "style", "iframe", "object", "embed", "applet", "noscript",
                      "template", "head", "title", "svg", "math", "select", "textarea"})
_BREAK_THEN_NEWLINE = re.compile(r"\A[ \t]*\n")
_VOID = frozenset({"br", "img", "hr", "wbr", "input", "meta", "link", "area", "base", "col",
                   "source", "track", "param", "embed"})
_FORMATS = {"b": "b", "strong": "b", "i": "i", "em": "i", "cite": "i", "u": "u", "ins": "u",
            "s": "s", "strike": "s", "del": "s", "small": "small", "big": "big"}
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = _HEADINGS | {"p", "div", "pre", "hr", "table", "tr", "caption", "section", "article",
                       "header", "footer", "aside", "nav", "main", "figure", "figcaption",
                       "address", "center", "dl", "dt", "dd", "details", "summary", "form"}
_CLOSES_P = _BLOCKS | {"ul", "ol", "li", "blockquote"}
_MAX_TREE_DEPTH = 100  # deeper tags are read as if absent (their text is kept)
_WORD_JOINER = "\u2060"


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    children: list["_Element | str"] = field(default_factory=list)


class _Tree(HTMLParser):
    """The HTML as a tree, closing what browsers close implicitly (void tags, a paragraph
    before a block, a list item before the next); an end tag nothing matches is ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [_Element("", {})]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CLOSES_P:
            self._close("p", stop={"blockquote", "li", "div", "td", "th"})
        if tag == "li":
            self._close("li", stop={"ul", "ol"})
        if len(self.stack) > _MAX_TREE_DEPTH:
            return
        element = _Element(tag, {name: _storable(value or "") for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        self._close(tag, stop=set())

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(_storable(data))  # joined by the writer

    def _close(self, tag: str, stop: set[str]) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
            if self.stack[depth].tag in stop:
                return


class _Text(str):
    """Literal text (not markup the writer chose): escaped if it would turn into markup."""


_Piece = str | _Text | Link | Image


@dataclass
class _Run:
    """A paragraph or a list item (`list_id`), as pieces of markup."""

    pieces: list[_Piece]
    list_id: int | None = None


@dataclass
class _Quote:
    blocks: list["_Run | _Quote"]


class _Writer:
    """Walks the tree, collecting blocks of pieces. Formatting left open across a block
    boundary is closed at the end of one run and opened again at the start of the next."""

    def __init__(self, commentary: bool) -> None:
        self.commentary = commentary
        self.containers: list[list[_Run | _Quote]] = [[]]  # the document, then open quotes
        self.run: list[_Piece] = []
        self.run_count = 0
        self.content = False  # whether the run says anything (an empty item still does)
        self.formats: list[tuple[str, int]] = []  # open formatting and the run it opened in
        self.items = self.lists = self.list_id = 0  # open <li>, open lists, lists so far
        self.item_waiting = False

    def walk(self, element: _Element) -> None:
        texts: list[str] = []  # pieces of one text (a comment between them is gone)
        after_break = False
        for child in [*element.children, None]:
            if isinstance(child, str):
                texts.append(child)
                continue
            if texts:
                text = "".join(texts)
                if after_break:  # "<br>\n", as HTML is written: one line break, not two
                    text = _BREAK_THEN_NEWLINE.sub("", text, count=1)
                self.text(text.replace("\n", " ") if self.items else text)
                texts = []
            if child is not None:
                self.element(child)
                after_break = child.tag == "br"

    def element(self, element: _Element) -> None:
        tag, attrs = element.tag, element.attrs
        classes = attrs.get("class", "").split()
        name = _FORMATS.get(tag) or ("big" if tag == "span" and "big" in classes else None)
        if tag == "em" and "commentary" in classes and self.commentary:
            name = "ed"
        if tag in _DROPPED:
            return
        if tag == "br":
            self.add(" " if self.items else "\n", content=False)
        elif tag == "img":
            self.image(attrs.get("src", ""), attrs.get("alt", ""), classes)
        elif tag == "a":
            self.link(element)
        elif name:
            self.formatted(name, element)
        elif tag == "blockquote" and not self.items and self.depth() < MAX_DEPTH:
            self.quote(element)
        elif tag in ("ul", "ol"):
            self.flush()
            self.list_id += not self.lists  # a nested list goes on in its outer one
            self.lists += 1
            self.walk(element)
            self.flush()
            self.lists -= 1
        elif tag == "li":
            self.flush()
            self.items += 1
            self.item_waiting = True  # an empty item is still an item
            self.walk(element)
            self.flush()
            self.items -= 1
        elif tag in _BLOCKS or tag == "blockquote":
            self.block_edge()
            if tag in _HEADINGS:
                self.formatted("b", element)
            else:
                self.walk(element)
            self.block_edge()
        else:
            if tag in ("td", "th"):
                self.add(_Text(" "), content=False)
            self.walk(element)

    def quote(self, element: _Element) -> None:
        self.flush()
        self.containers.append([])
        self.walk(element)
        self.flush()
        quote = _Quote(self.containers.pop())
        self.containers[-1].append(quote)

    def formatted(self, name: str, element: _Element) -> None:
        if self.depth() >= MAX_DEPTH:
            self.walk(element)
            return
        self.add(f"[{name}]", content=False)
        self.formats.append((name, self.run_count))
        self.walk(element)
        _, opened_in = self.formats.pop()
        # An empty pair is kept (the markup renders it), unless it was only reopened here.
        self.add(f"[/{name}]", content=opened_in == self.run_count)

    def link(self, element: _Element) -> None:
        href = safe_url(element.attrs.get("href", ""))
        label = _text_of(element).replace("\n", " ").strip()
        pictures = [img for img in _descendants(element) if img.tag == "img"]
        for img in pictures:
            self.image(img.attrs.get("src", ""), img.attrs.get("alt", ""), [], href)
        if label:
            self.add(Link(href, label) if href else _Text(label))
        elif href and not pictures:
            self.add(Link(href, href))

    def image(self, src: str, alt: str, classes: list[str], href: str | None = None) -> None:
        url = safe_url(src)
        if alt.strip() and ({"emoji", "wp-smiley"} & set(classes) or not (url or href)):
            self.add(_Text(alt))
        elif url and safe_url(url, SECURE):
            self.add(Image(url))
        elif href or url:
            self.add(Link(href or url or "", "photo"))

    def text(self, text: str) -> None:
        self.add(_Text(text), content=bool(text.strip()))

    def add(self, piece: _Piece, content: bool = True) -> None:
        if not self.run:
            self.run = [f"[{name}]" for name, _ in self.formats]
        self.run.append(piece)
        self.content = self.content or content

    def block_edge(self) -> None:
        if self.items:  # a list item holds one line: its paragraphs are joined
            last = self.run[-1] if self.run else " "
            if not (isinstance(last, str) and last[-1:].isspace()):
                self.add(_Text(" "), content=False)
        else:
            self.flush()

    def flush(self) -> None:
        if self.content or (self.items and self.item_waiting):
            pieces = self.run + [f"[/{name}]" for name, _ in reversed(self.formats)]
            self.containers[-1].append(_Run(pieces, self.list_id if self.items else None))
            self.item_waiting = False
        self.run, self.content = [], False
        self.run_count += 1

    def depth(self) -> int:
        return len(self.formats) + len(self.containers) - 1


def from_html(source: str, *, commentary: bool = False) -> str:
    """The site markup of `source`; `commentary=True` for an article body (see `render`)."""
    tree = _Tree()
    try:
        tree.feed(_defused(_storable(source)))
        tree.close()
    except AssertionError:  # the parser's way of giving up; all is text then
        tree = _Tree()
        tree.handle_data(_storable(source))
    writer = _Writer(commentary)
    writer.walk(tree.stack[0])
    writer.flush()
    blocks = writer.containers[0]
    plain, escaped = _markup(blocks, escape=False), _markup(blocks, escape=True)
    if plain == escaped:  # no text looks like markup
        return plain
    # Escaping changes no character a reader sees, so if that is all it changes, the text
    # that looks like markup was text already; otherwise escaping is what keeps it text.
    shown = [html_text(render(markup, commentary=commentary)).replace(_WORD_JOINER, "")
             for markup in (plain, escaped)]
    return plain if shown[0] == shown[1] else escaped


# Where text that looks like markup would start a tag or a list item.
_LITERAL_TAG = re.compile(r"\[(?=\*\]|/?(?:b|i|u|s|small|big|quote|ed)\]"
                          r"|/?(?:url|squish|foto|photo)[=\]])", re.IGNORECASE)


def _markup(blocks: list[_Run | _Quote], escape: bool) -> str:
    parts: list[str] = []
    for number, block in enumerate(blocks):
        if number:
            before = blocks[number - 1]
            same_list = isinstance(before, _Run) and isinstance(block, _Run) and \
                before.list_id is not None and before.list_id == block.list_id
            parts.append("\n" if same_list else "\n\n")
        if isinstance(block, _Quote):
            inner = _markup(block.blocks, escape)
            parts.append(f"[quote]\n{inner}\n[/quote]" if inner else "[quote][/quote]")
            continue
        line = _line(block.pieces, escape).strip()
        if block.list_id is not None:
            parts.append(f"[*] {line}".rstrip())
        else:  # a no-break space, trimmed away, keeps text starting "[*]" from being a list
            parts.append("\xa0" + line if line.startswith("[*]") else line)
    return "".join(parts)


def _line(pieces: list[_Piece], escape: bool) -> str:
    pieces = _joined(pieces)
    out: list[str] = []
    bracket_on_line = False
    for number, piece in enumerate(pieces):
        if isinstance(piece, Link | Image):
            after = pieces[number + 1] if number + 1 < len(pieces) else ""
            spaced = (not out or out[-1][-1:].isspace()) and \
                ((isinstance(after, str) and after[:1].isspace()) or after == "")
            text = _link(piece, bare=spaced and not bracket_on_line)
        elif isinstance(piece, _Text) and escape:
            text = _LITERAL_TAG.sub("[" + _WORD_JOINER, piece)
        else:
            text = piece
        out.append(text)
        line = text.rsplit("\n", 1)
        bracket_on_line = "[" in line[-1] or (len(line) == 1 and bracket_on_line)
    return "".join(out)


def _link(piece: Link | Image, bare: bool) -> str:
    """The first way of writing `piece` that the markup's lexer reads back as exactly it."""
    if isinstance(piece, Image):
        forms = [f"[foto]{piece.src}[/foto]"]
        piece = Link(piece.src, "photo")
    else:
        forms = []
    href, label = piece.href, piece.label
    if label == href:
        forms += [href] * bare + [f"[url]{href}[/url]"]
    else:
        forms += [f"[squish]{href}[/squish]"] * (label == squish_label(href))
        forms += [f"[photo]{href}[/photo]"] * (label == "photo")
        forms += [f"[url={href}]{label}[/url]"]
    for form in forms:
        tokens = list(tokenize(form, frozenset()))
        if len(tokens) == 1 and tokens[0] in (Image(href), Link(href, label, named=False),
                                               Link(href, label, named=True)):
            return form
    # Brackets in the address or the label that the markup would misread: the label as text.
    plain = href.replace("[", "%5B").replace("]", "%5D")
    return f"[url]{plain}[/url]" if label in (href, "photo") else f"{label} ([url]{plain}[/url])"


def _joined(pieces: list[_Piece]) -> list[_Piece]:
    """`pieces` with neighbouring texts as one ("[" and "b]" on either side of a dropped tag
    still make "[b]")."""
    joined: list[_Piece] = []
    texts: list[str] = []
    for piece in [*pieces, None]:
        if isinstance(piece, _Text):
            texts.append(piece)
            continue
        if texts:
            joined.append(_Text("".join(texts)))
            texts = []
        if piece is not None:
            joined.append(piece)
    return joined


def _text_of(element: _Element) -> str:
    return "".join(child if isinstance(child, str) else _text_of(child)
                   for child in element.children
                   if isinstance(child, str) or child.tag not in _DROPPED)


def _descendants(element: _Element) -> list[_Element]:
    found: list[_Element] = []
    for child in element.children:
        if isinstance(child, _Element) and child.tag not in _DROPPED:
            found += [child, *_descendants(child)]
    return found


# A "<" that starts a tag, a comment or a CDATA section; html.parser scans to the end of the
# input for the end of each one left open (quadratic on "<a<a<a…") and raises on some.
_OPENING = re.compile(r"<(?:(?P<tag>[/?!]?[a-zA-Z][^<>]*>)|(?P<comment>!--)|(?P<cdata>!\[CDATA\[)"
                      r"|(?=[/?!a-zA-Z]))", re.IGNORECASE)


def _defused(source: str) -> str:
    """`source` with each "<" that opens what never closes written as "&lt;" (text, as a
    browser shows it), so the parser reads it in linear time and without raising."""
    comments_end, sections_end = source.rfind("-->"), source.rfind("]]>")

    def opening(match: re.Match[str]) -> str:
        closed = match["tag"] or (match["comment"] and match.end() <= comments_end) or \
            (match["cdata"] and match.end() <= sections_end)
        return match[0] if closed else "&lt;" + match[0][1:]

    return _OPENING.sub(opening, source)


def _storable(text: str) -> str:
    """`text` as the API stores a body (shared/text.py): line feeds only, none of what it
    refuses (NEL is a line break there, so it is one here too)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", "\n")
    return UNCARRIABLE.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n\n"))
