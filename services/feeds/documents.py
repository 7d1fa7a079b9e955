"""The stored feed documents: written when content changes, read as they are."""

from datetime import UTC, datetime

from sqlmodel import Session

from services.feeds.models import FeedDocument
from services.feeds.render import CONTENT_TYPES, Feed, render
from services.feeds.settings import FeedsSettings
from shared.errors import NotFound
from shared.http import strong_etag


def publish(session: Session, settings: FeedsSettings, feed: Feed) -> None:
    """Render `feed` in every format and store what changed."""
    for fmt, body in render(settings, feed).items():
        _store(session, f"{feed.path_stem}.{fmt}", CONTENT_TYPES[fmt], body)


def get_document(*, session: Session, path: str) -> FeedDocument:
    """The stored document at `path`; NotFound if there is none."""
    document = session.get(FeedDocument, path)
    if document is None:
        raise NotFound(f"no feed at /feeds/{path}")
    return document


def _store(session: Session, path: str, content_type: str, body: bytes) -> None:
    """Keep `body` at `path`; the ETag and Last-Modified change exactly when the bytes do."""
    etag = strong_etag(body)
    document = session.get(FeedDocument, path)
    if document is not None and document.etag == etag:
        return
    now = datetime.now(UTC).replace(microsecond=0)  # HTTP dates have no finer resolution
    document = document or FeedDocument(path=path, content_type=content_type, body=body,
                                        etag=etag, last_modified=now)
    document.body, document.etag, document.content_type = body, etag, content_type
    document.last_modified = now
    session.add(document)
