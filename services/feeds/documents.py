"""The stored feed documents: written when content changes, read as they are.

A feed's own time (Atom `updated`, RSS `lastBuildDate`, and the document's `Last-Modified`) is
the time its content last changed: a removed entry moves it forward, never back, and content
that did not change renders, with the time it already had, the bytes already stored.
"""

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, insert, update
from sqlmodel import Session, col, select

from services.feeds import empty_feeds
from services.feeds.feed import CONTENT_TYPES, Feed
from services.feeds.fragments import pieces
from services.feeds.kept import Kept
from services.feeds.models import FeedDocument
from services.feeds.packed import gzipped
from services.feeds.settings import FeedsSettings
from shared.errors import NotFound
from shared.http import strong_etag

STORED_ANEW = "burg_feeds_changed"  # key in Session.info: paths of documents stored anew
KNOWN = 256  # documents whose pieces and ETag this process keeps (an LRU)
_joined = Kept[str, tuple[str, list[bytes]]](KNOWN)  # path → (ETag, pieces), see _etag


def publish(session: Session, settings: FeedsSettings, feed: Feed, *,
            now: datetime | None = None) -> None:
    """Render `feed` in every format and store what changed (noting its path: the API and
    WebSub hear of it once the transaction commits).
    `now` (by default the clock's) becomes the time of every document whose content changed."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)  # HTTP dates have whole seconds
    paths = {f"{feed.path_stem}.{fmt}": fmt for fmt in CONTENT_TYPES}
    stored = {paths[row.path]: row for row in session.execute(_STORED, {"paths": list(paths)})}
    for fmt, (parts, etag, when) in _bodies(settings, feed, stored, now).items():
        path, row = f"{feed.path_stem}.{fmt}", stored.get(fmt)
        if row is not None and row.etag == etag:
            continue  # the same bytes
        values = {"body": b"".join(parts), "body_gzip": gzipped(parts), "etag": etag,
                  "last_modified": when, "content_type": CONTENT_TYPES[fmt], "title": feed.title}
        if row is None:
            session.execute(_INSERT, values | {"path": path, "revision": 1})
        else:
            session.execute(_UPDATE, values | {"at_path": path})
        session.info.setdefault(STORED_ANEW, []).append(path)


def _bodies(settings: FeedsSettings, feed: Feed, stored: dict[str, Row[Any]],
            now: datetime) -> dict[str, tuple[list[bytes], str, datetime]]:
    """Each format's bytes (as their pieces), their ETag, and its time: rendered with the
    time its stored document has, which gives the stored bytes (the ETag stored) if its
    content is the same; else rendered anew with `now`. Rendering joins kept pieces: trying
    the stored time first is cheap."""
    times = {fmt: row.last_modified for fmt, row in stored.items()}
    bodies: dict[str, tuple[list[bytes], str, datetime]] = {}
    for when in set(times.values()):  # one time for all formats, unless one changed alone
        for fmt, parts in pieces(settings, feed, updated=when).items():
            if times.get(fmt) == when:
                etag = _etag(f"{feed.path_stem}.{fmt}", parts, stored[fmt].etag)
                bodies[fmt] = (parts, etag, when)
    changed = [fmt for fmt in CONTENT_TYPES
               if fmt not in stored or bodies[fmt][1] != stored[fmt].etag]
    if changed:
        # Never before a stored time: another worker's clock may be a little ahead of ours.
        when = max([now, *(times[fmt] for fmt in changed if fmt in times)])
        fresh = pieces(settings, feed, updated=when)
        bodies.update({fmt: (fresh[fmt], _etag(f"{feed.path_stem}.{fmt}", fresh[fmt]), when)
                       for fmt in changed})
    return bodies


def _etag(path: str, parts: list[bytes], stored: str | None = None) -> str:
    """The ETag of the bytes joined from `parts`, or "" if they are not the stored bytes whose
    ETag is `stored`: known without hashing them when this process found or made the stored
    bytes (a category's document is some 100 kB, and a publish would hash each twice)."""
    known = _joined.get(path)
    if stored is not None and known is not None and known[0] == stored:
        same = known[1] == parts or b"".join(known[1]) == b"".join(parts)
        return stored if same else ""
    etag = strong_etag(b"".join(parts))
    _joined.put(path, (etag, parts))
    return etag


# Built once, and rows rather than ORM objects: a render compares ETags, not the stored bytes
# (each of a category's documents is some 100 kB, and twice that with its gzip form), and
# writes a changed document in one statement.
_DOCUMENTS = FeedDocument.__table__  # type: ignore[attr-defined]
_STORED = select(_DOCUMENTS.c.path, _DOCUMENTS.c.etag, _DOCUMENTS.c.last_modified).where(
    _DOCUMENTS.c.path.in_(bindparam("paths", expanding=True)))
_INSERT = insert(_DOCUMENTS)
_UPDATE = update(_DOCUMENTS).where(_DOCUMENTS.c.path == bindparam("at_path")).values(
    revision=_DOCUMENTS.c.revision + 1)


def remove(session: Session, path_stem: str) -> None:
    """Delete the documents of a feed that is no more (every format)."""
    for fmt in CONTENT_TYPES:
        document = session.get(FeedDocument, f"{path_stem}.{fmt}")
        if document is not None:
            session.delete(document)


FEED_PATH = re.compile(r"[\w./-]{1,300}")  # what a feed's path is made of


def get_document(*, session: Session, path: str,
                 settings: FeedsSettings | None = None) -> FeedDocument:
    """The stored document at `path`, or with `settings`, an article's empty comment feed
    made now if none is stored (empty_feeds.py); NotFound if there is none."""
    # A path no feed can have (a NUL, say, which PostgreSQL refuses even to look up) is
    # simply not found.
    document = session.get(FeedDocument, path) if FEED_PATH.fullmatch(path) else None
    if document is None and settings is not None:
        document = empty_feeds.document(session=session, settings=settings, path=path)
    if document is None:
        raise NotFound(f"no feed at /feeds/{path}")
    return document


def stored_etag(*, session: Session, path: str, settings: FeedsSettings | None = None) -> str:
    """The ETag of the document at `path`, without reading its bytes (with `settings`, of the
    empty comment feed made now if none is stored); NotFound if none."""
    etag = session.exec(select(FeedDocument.etag).where(col(FeedDocument.path) == path)
                        ).first() if FEED_PATH.fullmatch(path) else None
    if etag is None and settings is not None:
        return get_document(session=session, path=path, settings=settings).etag
    if etag is None:
        raise NotFound(f"no feed at /feeds/{path}")
    return etag


def gzip_etag(etag: str) -> str:
    """The strong ETag of a document's gzip form: another representation, another tag (RFC
    9110 §8.8.3), which changes exactly when the document's does."""
    return etag[:-1] + '-gzip"'


def list_documents(*, session: Session) -> list[tuple[str, str]]:
    """(path, feed title) of every document served, by path: those stored, and the comment
    feeds made on request (empty_feeds.py)."""
    rows = session.exec(select(FeedDocument.path, FeedDocument.title)).all()
    stored = [(path, title) for path, title in rows]
    return sorted(stored + empty_feeds.listed(session, {path for path, _ in stored}))
