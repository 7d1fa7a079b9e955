"""The stored feed documents: written when content changes, read as they are."""

import re
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from services.feeds.models import FeedDocument
from services.feeds.render import CONTENT_TYPES, Feed, feed_url, render
from services.feeds.settings import FeedsSettings
from services.feeds.websub import CHANGED
from shared.errors import NotFound
from shared.http import strong_etag


def publish(session: Session, settings: FeedsSettings, feed: Feed) -> None:
    """Render `feed` in every format and store what changed (noting its URL for WebSub)."""
    for fmt, body in render(settings, feed).items():
        path = f"{feed.path_stem}.{fmt}"
        if _store(session, path, CONTENT_TYPES[fmt], feed.title, body):
            session.info.setdefault(CHANGED, []).append(feed_url(settings, path))


def remove(session: Session, path_stem: str) -> None:
    """Delete the documents of a feed that is no more (every format)."""
    for fmt in CONTENT_TYPES:
        document = session.get(FeedDocument, f"{path_stem}.{fmt}")
        if document is not None:
            session.delete(document)


FEED_PATH = re.compile(r"[\w./-]{1,300}")  # what a feed's path is made of


def get_document(*, session: Session, path: str) -> FeedDocument:
    """The stored document at `path`; NotFound if there is none."""
    # A path no feed can have (a NUL, say, which PostgreSQL refuses even to look up) is
    # simply not found.
    document = session.get(FeedDocument, path) if FEED_PATH.fullmatch(path) else None
    if document is None:
        raise NotFound(f"no feed at /feeds/{path}")
    return document


def list_documents(*, session: Session) -> list[tuple[str, str]]:
    """(path, feed title) of every stored document, by path."""
    rows = session.exec(select(FeedDocument.path, FeedDocument.title)
                        .order_by(col(FeedDocument.path))).all()
    return [(path, title) for path, title in rows]


def _store(session: Session, path: str, content_type: str, title: str, body: bytes) -> bool:
    """Keep `body` at `path`; the ETag and Last-Modified change exactly when the bytes do.
    True if they did."""
    etag = strong_etag(body)
    document = session.get(FeedDocument, path)
    if document is not None and document.etag == etag:
        return False
    now = datetime.now(UTC).replace(microsecond=0)  # HTTP dates have no finer resolution
    document = document or FeedDocument(path=path, content_type=content_type, body=body,
                                        etag=etag, last_modified=now)
    document.body, document.etag, document.content_type = body, etag, content_type
    document.title, document.last_modified = title, now
    document.revision += 1
    session.add(document)
    return True
