"""Feed documents read the way a feed reader reads them, to find HTML that could run script.

A reader renders some fields as HTML: RSS `<title>`, `<description>` and `content:encoded`
(RSS carries HTML entity-escaped, so the text the XML parser gives back — unescaped once — is
the HTML shown); Atom text constructs according to their `type` (`text` is shown as text,
`html` is unescaped once, `xhtml` is the markup inside); JSON Feed `content_html` (`title`
and `summary` are plain text by the spec). `html_fields` gives each of those as the HTML a
reader would render, and `executable` judges it with real HTML parsers (the standard
library's and libxml2's), not with patterns. Shares no code with the service it judges."""

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import lxml.html
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
# Elements that run script, load a document or a plugin, restyle the page, or change where its
# links and forms go: none may reach a reader from a feed.
DANGEROUS_TAGS = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link",
    "meta", "base", "form", "svg", "math", "template", "noscript", "portal", "xmp", "noembed",
    "plaintext", "button", "input", "textarea", "select", "video", "audio", "source", "body",
    "html", "head", "marquee", "isindex", "param"})
# Attributes that hold a URL a browser loads or follows.
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "xlink:href",
                            "poster", "background", "srcset", "codebase", "cite", "lowsrc",
                            "dynsrc", "ping", "manifest", "longdesc", "usemap", "icon"})
SCRIPT_SCHEMES = ("javascript:", "data:", "vbscript:", "livescript:", "mocha:")
# Other attributes that run or inject something: inline style, a document in an attribute.
DANGEROUS_ATTRIBUTES = frozenset({"style", "srcdoc"})


def html_fields(path: str, body: bytes) -> Iterator[tuple[str, str]]:
    """(where, HTML) for every field of the document at `path` that a reader renders as
    HTML, decoded as the reader decodes it; text fields are left out (a reader escapes them)."""
    fmt = path.rsplit(".", 1)[-1]
    if fmt == "json":
        document = json.loads(body)
        for index, item in enumerate(document["items"]):
            if "content_html" in item:
                yield f"{path} items[{index}].content_html", item["content_html"]
        return
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    if fmt == "rss":
        channel = root.find("channel")
        for name in ("title", "description"):
            yield f"{path} channel/{name}", channel.findtext(name) or ""
        for index, item in enumerate(channel.findall("item")):
            for name in ("title", "description", CONTENT_ENCODED):
                element = item.find(name)
                if element is not None:
                    yield f"{path} item[{index}]/{name}", element.text or ""
        return
    for where, element in _atom_text_constructs(root):
        kind = element.get("type", "text")
        if kind == "html":
            yield f"{path} {where} (type=html)", element.text or ""
        elif kind == "xhtml":
            yield f"{path} {where} (type=xhtml)", "".join(
                etree.tostring(child, encoding="unicode", method="html") for child in element)
        else:
            assert kind == "text", f"{path} {where}: type={kind!r}, which a reader cannot show"


def untyped_atom_text(body: bytes) -> list[str]:
    """Atom title, subtitle, summary and content elements with no explicit `type` (RFC 4287
    says text, but readers guess): each as its place in the document."""
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    return [where for where, element in _atom_text_constructs(root) if "type" not in element.attrib]


def _atom_text_constructs(root: Any) -> Iterator[tuple[str, Any]]:
    for name in ("title", "subtitle", "rights"):
        for element in root.findall(f"{ATOM}{name}"):
            yield f"feed/{name}", element
    for index, entry in enumerate(root.findall(f"{ATOM}entry")):
        for name in ("title", "summary", "content", "rights"):
            for element in entry.findall(f"{ATOM}{name}"):
                if element.get("src") is None:  # out-of-line content: nothing shown inline
                    yield f"entry[{index}]/{name}", element


def executable(html: str) -> list[str]:
    """Whatever in `html` could run script, load a foreign document or restyle a reader's
    page, as two HTML parsers see it (empty: none)."""
    problems = _stdlib_problems(html) + _libxml2_problems(html)
    return sorted(set(problems))


def elements(html: str) -> list[str]:
    """The names of the elements a reader's HTML parser finds in `html` (empty: it is text)."""
    finder = _Elements()
    finder.feed(html)
    finder.close()
    return finder.names


def _judge(tag: str, attributes: list[tuple[str, str | None]]) -> list[str]:
    problems = [f"<{tag}>"] if tag.lower() in DANGEROUS_TAGS else []
    for name, value in attributes:
        name = name.lower()
        if name.startswith("on"):
            problems.append(f"<{tag} {name}=…>")
        elif name in DANGEROUS_ATTRIBUTES:
            problems.append(f"<{tag} {name}=…>")
        elif name in URL_ATTRIBUTES:
            # Browsers drop ASCII whitespace and controls anywhere in a scheme.
            squeezed = "".join(c for c in (value or "") if ord(c) > 0x20).lower()
            if squeezed.startswith(SCRIPT_SCHEMES):
                problems.append(f"<{tag} {name}={value!r}>")
    return problems


class _Stdlib(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems += _judge(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems += _judge(tag, attrs)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.append(tag)


def _stdlib_problems(html: str) -> list[str]:
    parser = _Stdlib()
    parser.feed(html)
    parser.close()
    return parser.problems


def _libxml2_problems(html: str) -> list[str]:
    if not html.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except etree.ParserError:
        return []  # nothing an HTML parser makes elements of
    problems: list[str] = []
    for element in root.iter():
        if element is root or not isinstance(element.tag, str):
            continue  # the wrapper, comments, processing instructions
        problems += _judge(element.tag, list(element.attrib.items()))
    return problems
