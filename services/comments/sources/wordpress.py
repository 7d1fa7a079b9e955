"""The comments of a WordPress export (WXR, the XML of Tools → Export), read as it streams.

Each `item` whose `wp:post_type` is "post" is a thread (its `wp:post_id`, `link` and
`title`), with its `wp:comment`s. The file is parsed strictly (a broken file is an error,
not a guess), with no network and no entities expanded but XML's own, in the encoding its
declaration names (an old export may be ISO-8859-1). Items are dropped as soon as they are
read: a file of any size takes the memory of one post.

What WordPress keeps that is not imported: e-mail addresses (`wp:comment_author_email`),
IP addresses, user agents, comment meta. Pingbacks and trackbacks are not comments: skipped
(counted in the summary), as are the comments of pages and other post types.
"""

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from services.comments.sources import SourceComment, SourceState, SourceThread
from shared.errors import Invalid
from shared.importing import Summary

SOURCE = "wordpress"
# WXR 1.0, 1.1 and 1.2 each name their own namespace for the `wp:` elements.
_WP = re.compile(r"^\{http://wordpress\.org/export/[0-9.]+/\}")
STATES = {"1": SourceState.public, "approve": SourceState.public,
          "0": SourceState.pending, "hold": SourceState.pending,
          "spam": SourceState.spam, "trash": SourceState.deleted,
          "post-trashed": SourceState.deleted}
COMMENT_TYPES = {"", "comment"}  # pingbacks, trackbacks and plugins' notes are not comments
_BLOCK = re.compile(r"<(p|div|blockquote|ul|ol|pre|h[1-6]|table)[\s>]", re.IGNORECASE)
_PARAGRAPHS = re.compile(r"\n\s*\n")


def read(path: Path, summary: Summary) -> Iterator[SourceThread]:
    """The threads of the WXR file at `path`, comments skipped here counted in `summary`.
    Invalid (with the line) for a file that cannot be read or is no WordPress export; the
    file is opened at once, so that an unreadable one says so before anything starts."""
    try:
        stream = open(path, "rb")  # closed by the generator
    except OSError as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror or exc}") from None
    return _threads(stream, path, summary)


def count(path: Path) -> int:
    """How many threads (posts) the file holds, for a progress bar's total: a quick pass
    (0 if the file cannot be read: `read` says why)."""
    posts = 0
    try:
        with open(path, "rb") as stream:
            for _, item in _parse(stream, tag="item"):
                posts += _text(_wp(item).get("post_type")).strip() == "post"
                _drop(item)
    except (OSError, etree.XMLSyntaxError, UnicodeDecodeError, LookupError):
        pass
    return posts


def _parse(stream: Any, **options: Any) -> Any:
    """Strict, offline, no entities but XML's own; XML comments and PIs dropped."""
    return etree.iterparse(stream, events=("end",), resolve_entities=False, no_network=True,
                           load_dtd=False, remove_comments=True, remove_pis=True, **options)


def _threads(stream: Any, path: Path, summary: Summary) -> Iterator[SourceThread]:
    with stream:
        try:
            items = _parse(stream, tag="item")
            checked = False
            for _, item in items:
                if not checked:
                    _check(item.getroottree().getroot(), path)
                    checked = True
                thread = _thread(item, summary)
                _drop(item)
                if thread is not None:
                    yield thread
            if not checked:
                _check(items.root, path)
        except etree.XMLSyntaxError as exc:
            raise Invalid(f"{path} is not well-formed XML: {exc}") from None
        except (UnicodeDecodeError, LookupError) as exc:
            raise Invalid(f"{path} cannot be decoded: {exc}") from None


def _check(root: Any, path: Path) -> None:
    """Invalid unless the document is an RSS feed with WordPress's export namespace."""
    if root is None or root.tag != "rss":
        shown = "nothing" if root is None else f"<{etree.QName(root).localname}>"
        raise Invalid(f"{path} is not a WordPress export: its root is {shown}, not <rss>")
    if not any(_WP.match(f"{{{uri}}}") for uri in root.nsmap.values()):
        raise Invalid(f"{path} is not a WordPress export: it has no wp: namespace "
                      "(http://wordpress.org/export/…)")


def _drop(element: Any) -> None:
    """Free what was read: the element, and what came before it in its parent."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _wp(element: Any) -> dict[str, Any]:
    """The `wp:` children of `element` by local name (the first of each)."""
    found: dict[str, Any] = {}
    for child in element:
        if isinstance(child.tag, str) and _WP.match(child.tag):
            found.setdefault(_WP.sub("", child.tag), child)
    return found


def _text(element: Any) -> str:
    return "" if element is None else (element.text or "")


def _thread(item: Any, summary: Summary) -> SourceThread | None:
    wp = _wp(item)
    comments = [c for c in item if isinstance(c.tag, str) and _WP.sub("", c.tag) == "comment"
                and _WP.match(c.tag)]
    post_type = _text(wp.get("post_type")).strip()
    if post_type != "post":
        for element in comments:
            summary.skip("comment", _text(_wp(element).get("comment_id")).strip(),
                         f"on a WordPress {post_type or 'item'}, not a post")
        return None
    read = (_comment(element, summary) for element in comments)
    return SourceThread(source_id=_text(wp.get("post_id")).strip(),
                        url=(item.findtext("link") or "").strip() or None,
                        title=(item.findtext("title") or "").strip(),
                        comments=[comment for comment in read if comment is not None])


def _comment(element: Any, summary: Summary) -> SourceComment | None:
    wp = _wp(element)
    source_id = _text(wp.get("comment_id")).strip()
    if not source_id:
        summary.skip("comment", "(none)", "no wp:comment_id")
        return None
    kind = _text(wp.get("comment_type")).strip().lower()
    if kind not in COMMENT_TYPES:
        summary.skip("comment", source_id, f"a {kind}, not a comment")
        return None
    created_at = _date(_text(wp.get("comment_date_gmt"))) or _date(_text(wp.get("comment_date")))
    if created_at is None:
        summary.skip("comment", source_id, "no date (wp:comment_date_gmt, wp:comment_date)")
        return None
    parent = _text(wp.get("comment_parent")).strip()
    approved = _text(wp.get("comment_approved")).strip().lower()
    meta = _meta(element)
    edited = meta.get("_burg_edited_at", "")
    return SourceComment(
        source_id=source_id, parent_id=None if parent in ("", "0") else parent,
        # WordPress keeps the name HTML-escaped ("Tom &amp; Jerry"): read as the text it shows.
        author=html.unescape(_text(wp.get("comment_author"))),
        website=_text(wp.get("comment_author_url")) or None,
        created_at=created_at, html=autop(_text(wp.get("comment_content"))),
        state=STATES.get(approved, SourceState.pending),
        markup=meta.get("_burg_markup"), edited_at=_moment(edited) if edited else None)


def _meta(element: Any) -> dict[str, str]:
    """The comment's `wp:commentmeta` pairs, key to value (the first of a key wins): Burg's
    own export keeps the markup as written and when it was edited there."""
    meta: dict[str, str] = {}
    for child in element:
        if isinstance(child.tag, str) and _WP.sub("", child.tag) == "commentmeta":
            fields = _wp(child)
            meta.setdefault(_text(fields.get("meta_key")), _text(fields.get("meta_value")))
    return meta


def _moment(value: str) -> datetime | None:
    """An ISO 8601 time with its zone (Burg's export); None if it is not one."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _date(value: str) -> datetime | None:
    """A WordPress time ("2019-01-31 20:15:00"); None for none, or for "0000-00-00 …". The
    local time (wp:comment_date, the fallback) is taken as UTC: the export says no zone."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def autop(content: str) -> str:
    """A comment as WordPress shows it: its text's blank lines are paragraphs and its line
    breaks breaks (wpautop), unless it is HTML with paragraphs of its own already."""
    content = content.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not content or _BLOCK.search(content):
        return content
    return "".join(f"<p>{part.strip().replace(chr(10), '<br>' + chr(10))}</p>"
                   for part in _PARAGRAPHS.split(content) if part.strip())
