"""An Isso database (its SQLite file, e.g. /var/lib/isso/comments.db) read into threads with
their comments.

Isso keeps `threads(id, uri, title)`, the URI being the page's path ("/2019/05/my-post/"),
and `comments(tid, id, parent, created, mode, text, author, email, website, …)`: `created` is
Unix time, `mode` 1 for shown, 2 for waiting for approval, 4 for deleted (kept while it has
replies), `text` the Markdown the commenter wrote. Ids are unique in the whole database.
E-mail and IP addresses are never read.

The file is opened read-only (a live Isso may still be using it). Isso renders Markdown with
raw HTML escaped and single line breaks kept; markdown-it-py, CommonMark with raw HTML off,
line breaks kept and strikethrough on, gives the same HTML for what commenters write.
"""

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from markdown_it import MarkdownIt

from services.comments.sources import SourceComment, SourceState, SourceThread
from services.comments.sources.order import parents_first
from shared.errors import Invalid
from shared.importing import Summary

SOURCE = "isso"  # the records' namespace (ImportedRecord.source): never change it
ACCEPTED, PENDING, DELETED = 1, 2, 4  # Isso's modes
COMMENTS = ("SELECT id, tid, parent, created, mode, text, author, website FROM comments "
            "ORDER BY tid, created, id")


class IssoDatabaseError(Invalid):
    """The file is not an Isso database that SQLite can read (the message says why); the
    command line prints it as an error."""


MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("strikethrough")


def markdown_to_html(text: str) -> str:
    """A comment's Markdown as HTML the way Isso shows it; raw HTML in it stays text."""
    return MARKDOWN.render(text).strip()


def read_isso(path: str | Path, summary: Summary | None = None) -> Iterator[SourceThread]:
    """The threads of an Isso database that have comments, by their id, each with its
    comments in the order they were written, parents before their replies; the text as HTML.
    Comments that cannot be imported at all (no thread, an id seen before, no readable date)
    are counted in `summary` with the reason. IssoDatabaseError if the file is not an Isso
    database (at once, before an import starts) or cannot be read."""
    connection = _open(Path(path))
    return _threads(connection, summary if summary is not None else Summary())


def _threads(connection: sqlite3.Connection, summary: Summary) -> Iterator[SourceThread]:
    try:
        threads = _thread_rows(connection)
        seen: set[str] = set()
        current: int | None = None
        comments: list[SourceComment] = []
        for row in _rows(connection, COMMENTS):
            source_id, tid = str(row[0]), row[1]
            if tid != current:
                if current is not None and comments:
                    yield _thread(threads[current], comments)
                current, comments = tid, []
            if source_id in seen:
                summary.skip("comment", source_id, "duplicate id in the database")
                continue
            seen.add(source_id)
            if tid not in threads:
                summary.skip("comment", source_id, "its thread is not in the database")
                continue
            comment = _comment(row)
            if comment is None:
                summary.skip("comment", source_id, "no readable date (created)")
                continue
            comments.append(comment)
        if current is not None and comments:
            yield _thread(threads[current], comments)
    finally:
        connection.close()


def count(path: str | Path) -> int:
    """How many threads have comments, for a progress bar's total (0 if the file cannot be
    read: `read_isso` says why)."""
    try:
        connection = _open(Path(path))
    except IssoDatabaseError:
        return 0
    try:
        return int(connection.execute(
            "SELECT COUNT(DISTINCT tid) FROM comments WHERE tid IN (SELECT id FROM threads)"
            " AND typeof(created) IN ('real', 'integer')").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        connection.close()


def _open(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise IssoDatabaseError(f"{path}: no such file")
    if not path.is_file():
        raise IssoDatabaseError(f"{path}: not a file")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:  # no permission to read it
        raise IssoDatabaseError(f"{path}: cannot open it ({exc})") from exc
    try:
        tables = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        connection.close()
        raise IssoDatabaseError(f"{path}: not an SQLite database ({exc})") from exc
    missing = {"threads", "comments"} - tables
    if missing:
        connection.close()
        raise IssoDatabaseError(f"{path}: not an Isso database (no table "
                                f"{', '.join(sorted(missing))})")
    return connection


def _rows(connection: sqlite3.Connection, query: str) -> Iterator[tuple]:
    try:
        yield from connection.execute(query)
    except sqlite3.DatabaseError as exc:  # a column missing, a damaged page
        raise IssoDatabaseError(f"cannot read the Isso database: {exc}") from exc


def _thread_rows(connection: sqlite3.Connection) -> dict[int, SourceThread]:
    """Every thread, without its comments: a few per article, small enough to hold."""
    return {tid: SourceThread(source_id=str(tid), url=_string(uri) or None,
                              title=_string(title))
            for tid, uri, title in _rows(connection, "SELECT id, uri, title FROM threads")}


def _thread(thread: SourceThread, comments: list[SourceComment]) -> SourceThread:
    return SourceThread(source_id=thread.source_id, url=thread.url, title=thread.title,
                        comments=parents_first(comments))


def _comment(row: tuple) -> SourceComment | None:
    source_id, _tid, parent, created, mode, text, author, website = row
    created_at = _date(created)
    if created_at is None:
        return None
    return SourceComment(
        source_id=str(source_id), parent_id=None if parent is None else str(parent),
        author=_string(author), website=_string(website) or None, created_at=created_at,
        html=markdown_to_html(_string(text, strip=False)), state=_state(mode))


def _state(mode: object) -> SourceState:
    """Isso's mode: bits, 4 deleted, 2 waiting; anything but a plain 1 is not shown there."""
    if not isinstance(mode, int):
        return SourceState.pending
    if mode & DELETED:
        return SourceState.deleted
    if mode == ACCEPTED:
        return SourceState.public
    return SourceState.pending


def _date(created: object) -> datetime | None:
    if not isinstance(created, int | float) or isinstance(created, bool):
        return None
    try:
        return datetime.fromtimestamp(created, UTC)
    except (OverflowError, OSError, ValueError):  # out of range, NaN
        return None


def _string(value: object, strip: bool = True) -> str:
    """A text column as text: Isso leaves NULLs, SQLite may hold numbers or blobs anywhere.
    (Markdown is not stripped: four leading spaces make a code block.)"""
    if value is None:
        return ""
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
    return text.strip() if strip else text
