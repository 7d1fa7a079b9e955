"""The stored feed documents: written when content changes, read as they are.

A feed's own time (Atom `updated`, RSS `lastBuildDate`, and the document's `Last-Modified`) is
the time its content last changed: a removed entry moves it forward, never back, and content
that did not change renders, with the time it already had, the bytes already stored.
"""

import re
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from services.feeds import empty_feeds
from services.feeds.feed import CONTENT_TYPES, Feed
from services.feeds.fragments import pieces
from services.feeds.models import FeedDocument
from services.feeds.packed import gzipped
from services.feeds.settings import FeedsSettings
from shared.errors import NotFound
from shared.http import strong_etag

STORED_ANEW = "burg_feeds_changed"  # key in Session.info: paths of documents stored anew


def publish(session: Session, settings: FeedsSettings, feed: Feed, *,
            now: datetime | None = None) -> None:
    """Render `feed` in every format and store what changed (noting its path: the API and
    WebSub hear of it once the transaction commits).
    `now` (by default the clock's) becomes the time of every document whose content changed."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)  # HTTP dates have whole seconds
    paths = {f"{feed.path_stem}.{fmt}": fmt for fmt in CONTENT_TYPES}
    found = session.exec(select(FeedDocument).where(col(FeedDocument.path).in_(paths))).all()
    stored = dict.fromkeys(CONTENT_TYPES, None) | {paths[doc.path]: doc for doc in found}
    for fmt, (parts, when) in _bodies(settings, feed, stored, now).items():
        path = f"{feed.path_stem}.{fmt}"
        if _store(session, stored[fmt], path, CONTENT_TYPES[fmt], feed.title, parts, when):
            session.info.setdefault(STORED_ANEW, []).append(path)


def _bodies(settings: FeedsSettings, feed: Feed, stored: dict[str, FeedDocument | None],
            now: datetime) -> dict[str, tuple[list[bytes], datetime]]:
    """Each format's bytes (as their pieces) and time: rendered with the time its stored
    document has, which gives the stored bytes if its content is the same; else rendered
    anew with `now`. Rendering joins kept pieces: trying the stored time first is cheap."""
    times = {fmt: doc.last_modified for fmt, doc in stored.items() if doc is not None}
    bodies: dict[str, tuple[list[bytes], datetime]] = {}
    for when in set(times.values()):  # one time for all formats, unless one changed alone
        for fmt, parts in pieces(settings, feed, updated=when).items():
            if times.get(fmt) == when:
                bodies[fmt] = (parts, when)
    changed = [fmt for fmt, document in stored.items()
               if document is None or b"".join(bodies[fmt][0]) != document.body]
    if changed:
        # Never before a stored time: another worker's clock may be a little ahead of ours.
        when = max([now, *(times[fmt] for fmt in changed if fmt in times)])
        fresh = pieces(settings, feed, updated=when)
        bodies.update({fmt: (fresh[fmt], when) for fmt in changed})
    return bodies


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


def _store(session: Session, document: FeedDocument | None, path: str, content_type: str,
           title: str, pieces: list[bytes], when: datetime) -> bool:
    """Keep the document joined from `pieces` (and its gzip form) at `path` with the time
    `when`; the ETag changes exactly when the bytes do. True if they did."""
    body = b"".join(pieces)
    etag = strong_etag(body)
    if document is not None and document.etag == etag:
        return False
    packed = gzipped(pieces)
    document = document or FeedDocument(path=path, content_type=content_type, body=body,
                                        body_gzip=packed, etag=etag, last_modified=when)
    document.body, document.body_gzip, document.etag = body, packed, etag
    document.content_type, document.title, document.last_modified = content_type, title, when
    document.revision += 1
    session.add(document)
    return True
