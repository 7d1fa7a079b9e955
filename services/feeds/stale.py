"""Stale documents: an event marks the documents it touches as stale, in the same
transaction as its change to the read model, and a render round (rounds.py) renders each
stale document once, however many events touched it meanwhile. Sixteen comments a second on
one article render its comment feed once per round, not sixteen times. Marking is an upsert
keyed by the document, written as the transaction commits: several events handled in one
transaction mark a document once, in one statement.

Keys: `site`, `category:<slug>`, `comments` (the site's latest comments) and
`article:<id>` (one article's comments).
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col

from services.feeds.models import FeedRenderFailure, FeedStale
from shared.direct import Direct
from shared.events import utcnow
from shared.inbox import HANDLING

MARKED = "burg_feeds_marked"  # key in Session.info: documents this transaction marked stale
PENDING = "burg_feeds_pending_marks"  # key in Session.info: marks not written yet


def mark(session: Session, *keys: str, cause: tuple[str, str] | None = None) -> None:
    """Mark the documents `keys` stale, or raise their version if they already are, noting
    the event that changed them: `cause` (id, type), else the one being handled. The marks
    are written when the transaction commits (`write_marks`), in one statement: a batch of
    fifty comments on one article marks its feed once, not fifty times."""
    event_id, event_type = cause or session.info.get(HANDLING, ("", ""))
    session.connection()  # in a transaction from now on, whose end forgets what it did not write
    pending = session.info.setdefault(PENDING, {})
    for key in keys:
        # The first mark's time (a document stale since then), the last mark's event.
        since = pending[key]["since"] if key in pending else utcnow()
        pending[key] = {"key": key, "since": since, "event_id": event_id,
                        "event_type": event_type}


@event.listens_for(Session, "before_commit")
def write_marks(session: Session) -> None:
    """Write the marks `session` holds, in its transaction (before any commit of a session
    of this class, so whoever marks need not remember to)."""
    pending = session.info.pop(PENDING, None)
    if pending:
        connection = session.connection()
        _MARK[connection.dialect.name].run_many(connection, list(pending.values()))
        session.info.setdefault(MARKED, []).extend(pending)


@event.listens_for(Session, "after_transaction_end")
def _forget_marks(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rolled back, or closed: they go with it
        session.info.pop(PENDING, None)


def _mark_statement(insert: Callable[[Any], Any]) -> Direct:
    # Built once, and run on the session's cursor (shared/direct.py): building it for every
    # event cost more than running it, and SQLAlchemy's execute around it as much again.
    table = FeedStale.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(key=bindparam("key"), version=1, since=bindparam("since"),
                                      event_id=bindparam("event_id"),
                                      event_type=bindparam("event_type"))
    # A new change is tried at once, even after a failed render (it may mend what failed).
    return Direct(statement.on_conflict_do_update(index_elements=["key"], set_={
        "version": table.c.version + 1, "event_id": statement.excluded.event_id,
        "event_type": statement.excluded.event_type, "retry_at": None}))


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
        write_marks(session)  # before the update below, which must find them
        session.execute(update(FeedStale).where(col(FeedStale.key).in_(back))
                        .values(attempts=0, retry_at=None))
    return back


def due(now: Any) -> ColumnElement[bool]:
    """A stale row that may be tried now: none of its renders failed, or its wait is over."""
    retry_at = FeedStale.__table__.c.retry_at  # type: ignore[attr-defined]
    return retry_at.is_(None) | (retry_at <= now)
