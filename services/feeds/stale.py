"""Stale documents: an event marks the documents it touches as stale, in the same
transaction as its change to the read model, and a render round (rounds.py) renders each
stale document once, however many events touched it meanwhile. Sixteen comments a second on
one article render its comment feed once per round, not sixteen times. Marking is an upsert
keyed by the document: several events handled in one transaction mark a document once.

Keys: `site`, `category:<slug>`, `comments` (the site's latest comments) and
`article:<id>` (one article's comments).
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from services.feeds.models import FeedRenderFailure, FeedStale
from shared.events import utcnow
from shared.inbox import HANDLING

MARKED = "burg_feeds_marked"  # key in Session.info: documents this transaction marked stale


def mark(session: Session, *keys: str, cause: tuple[str, str] | None = None) -> None:
    """Mark the documents `keys` stale, or raise their version if they already are, noting
    the event that changed them: `cause` (id, type), else the one being handled."""
    if not keys:
        return
    statement = _MARK[session.get_bind().dialect.name]
    event_id, event_type = cause or session.info.get(HANDLING, ("", ""))
    now = utcnow()
    session.execute(statement, [{"key": key, "since": now, "event_id": event_id,
                                 "event_type": event_type} for key in dict.fromkeys(keys)])
    session.info.setdefault(MARKED, []).extend(keys)


def _mark_statement(insert: Callable[[Any], Any]) -> Any:
    # Built once: building it for every event cost more than running it.
    table = FeedStale.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(key=bindparam("key"), version=1, since=bindparam("since"),
                                      event_id=bindparam("event_id"),
                                      event_type=bindparam("event_type"))
    # A new change is tried at once, even after a failed render (it may mend what failed).
    return statement.on_conflict_do_update(index_elements=["key"], set_={
        "version": table.c.version + 1, "event_id": statement.excluded.event_id,
        "event_type": statement.excluded.event_type, "retry_at": None})


_MARK = {"sqlite": _mark_statement(sqlite.insert), "postgresql": _mark_statement(postgresql.insert)}


def put_back(*, session: Session, keys: list[str] | None = None) -> list[str]:
    """Mark the documents set aside after failed renders (those of `keys`, or all) stale
    again, their count of failures from zero; return their keys. The caller commits and
    queues a render (`StaleRenders.schedule`)."""
    query = select(col(FeedRenderFailure.key))
    if keys is not None:
        query = query.where(col(FeedRenderFailure.key).in_(keys))
    back = list(session.execute(query).scalars())
    if back:
        session.execute(delete(FeedRenderFailure).where(col(FeedRenderFailure.key).in_(back)))
        mark(session, *back, cause=("", "retry-render"))
        session.execute(update(FeedStale).where(col(FeedStale.key).in_(back))
                        .values(attempts=0, retry_at=None))
    return back


def due(now: Any) -> ColumnElement[bool]:
    """A stale row that may be tried now: none of its renders failed, or its wait is over."""
    return col(FeedStale.retry_at).is_(None) | (col(FeedStale.retry_at) <= now)
