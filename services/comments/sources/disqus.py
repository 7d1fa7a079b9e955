"""A Disqus XML export (as Disqus sends it, gzipped, or unpacked) read into threads with their
comments.

The file holds three kinds of records under `<disqus xmlns="http://disqus.com">`: categories,
then threads (one per page Disqus was shown on: `<link>`, `<title>`, `<id>` the site's own
identifier), then posts, each naming its thread (`<thread dsq:id="…"/>`) and the post it
answers (`<parent dsq:id="…"/>`). Ids are in the `dsq` namespace
(http://disqus.com/disqus-internals). A post's `<message>` is HTML; e-mail and IP addresses
are in the file too and are never read.

A post may name any thread, anywhere in the file, so the posts are gathered before the first
thread is given; the file itself is streamed (lxml's iterparse, each record dropped once
read), so only the comments stay in memory, never the tree. Only threads with posts are given:
Disqus makes a thread for every page it was ever loaded on. Threads of one page (Disqus makes
a second when a page's identifier or address changes, "http://" to "https://www." say) are
given as one, under the first one's id, so that the page's comments are numbered by date
together.
"""

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, cast

from lxml import etree

from services.comments.importing import address_key
from services.comments.sources import SourceComment, SourceState, SourceThread
from services.comments.sources.order import parents_first
from shared.errors import Invalid
from shared.importing import Summary

SOURCE = "disqus"  # the records' namespace (ImportedRecord.source): never change it
NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
ROOT = f"{NS}disqus"
GZIP_MAGIC = b"\x1f\x8b"


class DisqusFileError(Invalid):
    """The file cannot be read, or is not a Disqus export lxml can read strictly (the
    message says where); the command line prints it as an error."""


@dataclass
class _Thread:
    source_id: str
    url: str | None
    title: str
    deleted: bool


def read_disqus(source: str | Path | IO[bytes], summary: Summary | None = None
                ) -> Iterator[SourceThread]:
    """The threads of a Disqus export (a path or a binary file) that have posts, in the
    file's order, each with its posts in the order they were written, parents before their
    replies (a post may come before its thread in the file). Posts that cannot be imported
    at all (no thread in the file, a deleted thread, an id seen before, no readable date) are
    counted in `summary` with the reason; deleted and spam posts are given with their state,
    for the importer to decide. DisqusFileError if the file cannot be opened (at once,
    before an import starts), is not well-formed XML or is not a Disqus export."""
    if isinstance(source, str | Path):
        return _threads(_open(source), summary, closing=True)
    return _threads(source, summary, closing=False)


def _open(path: str | Path) -> IO[bytes]:
    """The file, uncompressed as it is read if it is gzipped (Disqus sends .xml.gz)."""
    try:
        with open(path, "rb") as peek:
            gzipped = peek.read(2) == GZIP_MAGIC
        if gzipped:  # the caller closes it
            return cast(IO[bytes], gzip.open(path, "rb"))
        return open(path, "rb")
    except OSError as exc:
        raise DisqusFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def _threads(stream: IO[bytes], summary: Summary | None, closing: bool
             ) -> Iterator[SourceThread]:
    try:
        yield from _read(stream, summary if summary is not None else Summary())
    finally:
        if closing:
            stream.close()


def _read(stream: IO[bytes], summary: Summary) -> Iterator[SourceThread]:
    threads: dict[str, _Thread] = {}
    posts: dict[str, list[SourceComment]] = {}  # thread id → its posts, wherever it is
    seen_posts: set[str] = set()
    for element in _records(stream):
        if element.tag == f"{NS}thread":
            thread = _thread(element)
            if thread is None:
                summary.skip("thread", "?", "no dsq:id")
            elif thread.source_id in threads:
                summary.skip("thread", thread.source_id, "duplicate id in the file")
            else:
                threads[thread.source_id] = thread
        elif element.tag == f"{NS}post":
            comment, thread_id = _post(element, seen_posts, summary)
            if comment is not None:
                posts.setdefault(thread_id, []).append(comment)
    for thread_id, comments in posts.items():
        if thread_id not in threads:
            for comment in comments:
                summary.skip("comment", comment.source_id, "its thread is not in the file")
    pages: dict[tuple[str, str] | str, list[_Thread]] = {}  # a page's address → its threads
    for thread in threads.values():
        if thread.deleted:
            for comment in posts.pop(thread.source_id, []):
                summary.skip("comment", comment.source_id, "its thread was deleted in Disqus")
        elif thread.source_id in posts:
            page = address_key(thread.url) or thread.source_id
            pages.setdefault(page, []).append(thread)
    for first, *others in pages.values():
        # let each thread's posts go once they are given
        comments = [c for t in (first, *others) for c in posts.pop(t.source_id)]
        yield SourceThread(source_id=first.source_id, url=first.url, title=first.title,
                           comments=parents_first(comments))


def _records(source: IO[bytes]) -> Iterator[etree._Element]:
    """Each record (child of the root) of the file, once it is read whole; dropped after.
    The encoding is the file's own declaration; no DTD, entity or network is read."""
    depth = 0
    root: etree._Element | None = None
    try:
        for event, element in etree.iterparse(
                source, events=("start", "end"), resolve_entities=False, load_dtd=False,
                no_network=True, huge_tree=False, remove_comments=True, remove_pis=True):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                    _check_root(element)
                continue
            depth -= 1
            if depth != 1:
                continue
            yield element
            element.clear()
            assert root is not None
            while len(root):  # drop what is read, so the tree never grows
                del root[0]
    except etree.XMLSyntaxError as exc:
        raise DisqusFileError(f"not well-formed XML: {exc}") from exc
    except (OSError, EOFError, zlib.error) as exc:  # a damaged or cut .gz too
        raise DisqusFileError(f"cannot read the file: {exc}") from exc
    if root is None:
        raise DisqusFileError("the file is empty")


def count(path: str | Path) -> int:
    """How many threads `read_disqus` gives, for a progress bar's total: a quick pass (0 if
    the file cannot be read: `read_disqus` says why)."""
    threads: dict[str, tuple[str, str] | str] = {}  # id → its page's address
    referenced: set[str] = set()
    try:
        with _open(path) as stream:
            for element in _records(stream):
                if element.tag == f"{NS}thread" and not _flag(element, "isDeleted"):
                    thread_id = element.get(DSQ_ID, "").strip()
                    threads.setdefault(thread_id, address_key(_text(element, "link")) or thread_id)
                reference = element.find(f"{NS}thread") if element.tag == f"{NS}post" else None
                if reference is not None:
                    referenced.add(reference.get(DSQ_ID, "").strip())
    except DisqusFileError:
        return 0
    return len({page for thread_id, page in threads.items() if thread_id in referenced})


def _check_root(root: etree._Element) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise DisqusFileError("a Disqus export has no DOCTYPE; this file declares one")
    if root.tag != ROOT:
        raise DisqusFileError(f"not a Disqus export: its root is {root.tag}, not {ROOT}")


def _thread(element: etree._Element) -> _Thread | None:
    source_id = element.get(DSQ_ID, "").strip()
    if not source_id:
        return None
    return _Thread(source_id=source_id, url=_text(element, "link") or None,
                   title=_text(element, "title"), deleted=_flag(element, "isDeleted"))


def _post(element: etree._Element, seen: set[str], summary: Summary
          ) -> tuple[SourceComment | None, str]:
    """The post as a comment, with its thread's id; None (counted in `summary`) if it
    cannot be imported whatever its thread."""
    source_id = element.get(DSQ_ID, "").strip()
    if not source_id:
        summary.skip("comment", "?", "no dsq:id")
        return None, ""
    if source_id in seen:
        summary.skip("comment", source_id, "duplicate id in the file")
        return None, ""
    seen.add(source_id)
    reference = element.find(f"{NS}thread")
    thread_id = (reference.get(DSQ_ID, "") if reference is not None else "").strip()
    created_at = _date(_text(element, "createdAt"))
    if created_at is None:
        summary.skip("comment", source_id, "no readable date (createdAt)")
        return None, ""
    parent = element.find(f"{NS}parent")
    parent_id = parent.get(DSQ_ID, "").strip() if parent is not None else ""
    author = element.find(f"{NS}author")
    name = ""
    if author is not None:
        name = _text(author, "name") or _text(author, "username")
    if _flag(element, "isSpam"):
        state = SourceState.spam
    elif _flag(element, "isDeleted"):
        state = SourceState.deleted
    else:
        state = SourceState.public
    return SourceComment(
        source_id=source_id, parent_id=parent_id or None, author=name,
        website=None,  # Disqus exports no author URL
        created_at=created_at, html=_text(element, "message"), state=state), thread_id


def _text(element: etree._Element, name: str) -> str:
    child = element.find(f"{NS}{name}")
    return "".join(child.itertext()).strip() if child is not None else ""


def _flag(element: etree._Element, name: str) -> bool:
    return _text(element, name).lower() in {"true", "1"}


def _date(text: str) -> datetime | None:
    """ISO 8601 as Disqus writes it (2013-10-10T19:20:29Z); a date without a zone is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
