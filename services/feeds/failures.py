"""Documents that fail to render: each failure is logged with the document's key and the
event that last marked it, the document is tried again in later rounds (1, 2, 4 … seconds
apart), and after `BURG_FEEDS_RENDER_ATTEMPTS` failures in a row it is set aside, where the
feeds CLI lists it and can put it back (`stale.put_back`). The other documents of a round
render all the same."""

import logging
from datetime import timedelta

from sqlalchemy import bindparam, delete
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from services.feeds.models import FeedRenderFailure, FeedStale
from shared.events import utcnow

log = logging.getLogger(__name__)

RETRY_CEILING = 60  # seconds between two tries of a failing document, at most


def record(sessions: sessionmaker[Session], key: str, version: int, error: BaseException,
           limit: int) -> None:
    """Count a failed render of `key` (read at `version`) and log it; at `limit` failures in
    a row set it aside, unless a change came meanwhile (then that change gets its try)."""
    reason = f"{type(error).__name__}: {error}"[:2000]
    with sessions() as session:
        row = session.get(FeedStale, key)
        if row is None:
            return
        row.attempts += 1
        row.retry_at = utcnow() + timedelta(seconds=min(2 ** (row.attempts - 1), RETRY_CEILING))
        cause = f"{row.event_type or 'no event'} {row.event_id}".rstrip()
        log.error("feeds: %s failed to render (attempt %d of %d, after %s): %s", key,
                  row.attempts, limit, cause, reason, exc_info=error)
        if row.attempts >= limit:
            _set_aside(session, row, reason)
            if row.version == version:
                session.delete(row)
            log.error("feeds: %s set aside after %d failed renders; `python -m "
                      "services.feeds.cli retry-render %s` tries it again", key, row.attempts, key)
        session.commit()


def _set_aside(session: Session, row: FeedStale, reason: str) -> None:
    failure = session.get(FeedRenderFailure, row.key) or FeedRenderFailure(
        key=row.key, event_id="", event_type="", attempts=0, error="", failed_at=utcnow())
    failure.event_id, failure.event_type = row.event_id, row.event_type
    failure.attempts, failure.error, failure.failed_at = row.attempts, reason, utcnow()
    session.add(failure)


def rendered(session: Session, key: str) -> None:
    """`key` rendered: it is no longer set aside."""
    session.execute(_CLEARED, {"cleared": key})


_FAILURES = FeedRenderFailure.__table__  # type: ignore[attr-defined]
_CLEARED = delete(_FAILURES).where(  # built once, on the table: every render clears
    _FAILURES.c.key == bindparam("cleared"))


def set_aside(*, session: Session) -> list[FeedRenderFailure]:
    """The documents set aside, oldest failure first."""
    return list(session.exec(select(FeedRenderFailure)
                             .order_by(col(FeedRenderFailure.failed_at))).all())
