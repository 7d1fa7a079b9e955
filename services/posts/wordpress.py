"""Reading a WordPress export (WXR: RSS 2.0 with WordPress's `wp:` elements) for the posts
service: the site's authors, its categories and its items (posts, pages, attachments…), as
plain records, one at a time. What becomes of them is `services.posts.importing`'s business;
the comments of each item are the comments service's (it reads the same file with a reader of
its own), so they are passed over here.

The file is read as a stream (lxml's iterparse), an item at a time, so that an export of
hundreds of megabytes takes no more memory than its longest item. It is parsed strictly (a
file that is not well-formed is refused, not guessed at), in the encoding its XML declaration
names (UTF-8, ISO-8859-1, windows-1252 …), with no entity expanded and nothing fetched from
the network: a hostile file can make it read neither a local file nor a URL.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from shared.errors import Invalid

# WXR 1.0 (WordPress 2.x), 1.1 (3.0) and 1.2 (3.1 on): the same elements for what we read.
WP_NAMESPACES = frozenset(f"http://wordpress.org/export/{version}/"
                          for version in ("1.0", "1.1", "1.2"))
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
_PREFIXES = {CONTENT: "content", DC: "dc"} | {ns: "wp" for ns in WP_NAMESPACES}
# The elements the stream stops at: an item, and the channel's authors and categories.
_TAGS = ["item", *(f"{{{ns}}}{name}" for ns in sorted(WP_NAMESPACES)
                   for name in ("author", "category"))]
# Code points U+0080 to U+009F are C1 controls nobody means: a file that says ISO-8859-1 but
# was written in windows-1252 (as browsers assume of every "ISO-8859-1" page) has its curly
# quotes, dashes and euro sign there. They are read as windows-1252's characters (its five
# unassigned bytes are dropped).
_C1 = re.compile("[\x80-\x9f]")


@dataclass(frozen=True)
class WpAuthor:
    """A `wp:author` of the channel: the login items name in `dc:creator`, and the name the
    site showed."""

    login: str
    display_name: str


@dataclass(frozen=True)
class WpCategory:
    """A category: a `wp:category` of the channel, or one an item names."""

    nicename: str  # its slug on the old site (percent-encoded if it was not ASCII)
    name: str
    description: str = ""


@dataclass(frozen=True)
class WpItem:
    """An `item` of the channel, as the file has it (texts stripped, HTML left as it is)."""

    post_id: str
    post_type: str  # post, page, attachment, nav_menu_item, a plugin's type …
    status: str  # publish, draft, pending, private, future, trash, inherit …
    title: str  # may hold HTML entities and tags
    link: str  # its permalink on the old site
    creator: str  # the author's login (dc:creator)
    content_html: str  # content:encoded
    post_name: str  # its slug on the old site
    date_gmt: str  # "2020-01-31 18:00:00", or "0000-00-00 00:00:00" when WordPress had none
    date_local: str  # the same moment in the site's own time zone
    pub_date: str  # RFC 822, from date_gmt
    comment_status: str  # open or closed
    password: str  # a password-protected post's password
    categories: list[WpCategory] = field(default_factory=list)  # domain="category", in order
    # Its wp:postmeta, key to value (the first of a key wins). Burg's own export keeps there,
    # under `_burg_…` keys, what WordPress has no field for (the markup as written, …).
    meta: dict[str, str] = field(default_factory=dict)


WpRecord = WpAuthor | WpCategory | WpItem


class NotWordPressExport(Invalid):
    """The file cannot be read as a WordPress export: the reason, with the line if any."""


def count_items(path: Path) -> int:
    """How many items the file holds, read through once: an import's progress bar shows how
    far along it is, and a file that is not well-formed XML is refused before anything is
    imported (NotWordPressExport)."""
    count = 0
    for _element in _elements(path, ["item"]):
        count += 1
    return count


def read_wordpress(path: Path) -> Iterator[WpRecord]:
    """The file's authors, categories and items, in the file's order (WordPress writes the
    authors and categories before the items). NotWordPressExport if it cannot be read."""
    for element in _elements(path, _TAGS):
        local = etree.QName(element).localname
        if local == "item":
            yield _item(element)
        elif local == "author":
            fields = _fields(element)
            yield WpAuthor(login=fields.get("wp:author_login", ""),
                           display_name=fields.get("wp:author_display_name", ""))
        elif element.getparent() is not None and element.getparent().tag == "channel":
            fields = _fields(element)
            yield WpCategory(nicename=fields.get("wp:category_nicename", ""),
                             name=fields.get("wp:cat_name", ""),
                             description=fields.get("wp:category_description", ""))


def _elements(path: Path, tags: list[str]) -> Iterator[etree._Element]:
    """Each element of `tags` once it is complete, freed (with whatever came before it in
    its parent) as soon as the caller asks for the next: memory stays at one item."""
    try:
        parsing = etree.iterparse(
            str(path), events=("end",), tag=tags, resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=True, remove_comments=True, remove_pis=True)
        for _event, element in parsing:
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
        root = parsing.root
    except etree.XMLSyntaxError as exc:
        raise NotWordPressExport(f"{path}: not well-formed XML: {exc}") from None
    except OSError as exc:
        raise NotWordPressExport(f"cannot read {path}: {exc.strerror or exc}") from None
    if root is None or root.tag != "rss" or not WP_NAMESPACES & set(root.nsmap.values()):
        raise NotWordPressExport(
            f"{path}: not a WordPress export (WXR): its root must be <rss> declaring the "
            "namespace http://wordpress.org/export/1.2/ (or 1.1, 1.0)")


def _item(element: etree._Element) -> WpItem:
    fields = _fields(element)
    categories = [WpCategory(nicename=_text(child.get("nicename", "")),
                             name=_text(child.text or ""))
                  for child in element.iterchildren("category")
                  if child.get("domain") == "category"]
    return WpItem(
        post_id=fields.get("wp:post_id", ""), post_type=fields.get("wp:post_type", ""),
        status=fields.get("wp:status", ""), title=fields.get("title", ""),
        link=fields.get("link", ""), creator=fields.get("dc:creator", ""),
        content_html=fields.get("content:encoded", ""), post_name=fields.get("wp:post_name", ""),
        date_gmt=fields.get("wp:post_date_gmt", ""), date_local=fields.get("wp:post_date", ""),
        pub_date=fields.get("pubDate", ""), comment_status=fields.get("wp:comment_status", ""),
        password=fields.get("wp:post_password", ""), categories=categories,
        meta=_meta(element))


def _meta(element: etree._Element) -> dict[str, str]:
    """The item's `wp:postmeta` pairs (`wp:meta_key`, `wp:meta_value`)."""
    meta: dict[str, str] = {}
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname == "postmeta":
            fields = _fields(child)
            meta.setdefault(fields.get("wp:meta_key", ""), fields.get("wp:meta_value", ""))
    return meta


def _fields(element: etree._Element) -> dict[str, str]:
    """The text of each child that has no elements in it, by its prefixed name
    (`wp:post_id`, `content:encoded`, `title`); the first of a name wins. An entity reference
    (never expanded) stays in the text as written, `&name;`."""
    fields: dict[str, str] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if len(child):
            if any(isinstance(inner.tag, str) for inner in child):
                continue  # wp:postmeta, wp:comment: not a text
            text = "".join(child.itertext())
        else:
            text = child.text or ""
        name = etree.QName(child)
        prefix = _PREFIXES.get(name.namespace or "")
        if name.namespace and prefix is None:
            continue  # another plugin's element
        key = f"{prefix}:{name.localname}" if prefix else name.localname
        fields.setdefault(key, _text(text))
    return fields


def _text(value: str) -> str:
    value = value.strip()
    return _C1.sub(_windows_1252, value) if _C1.search(value) else value


def _windows_1252(match: re.Match[str]) -> str:
    return bytes([ord(match.group())]).decode("cp1252", errors="ignore")
