"""Database helpers: one engine per service, SQLite (WAL) by default, PostgreSQL by URL."""

import logging
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, Enum, MetaData, event, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine
from sqlmodel.sql.sqltypes import UTCDateTime

from shared.sqlite import sqlite_engine

log = logging.getLogger(__name__)


def make_engine(url: str, *, pool_size: int = 3, max_overflow: int = 3) -> Engine:
    """An engine for `url`; a SQLite file gets WAL, a busy timeout and its folder created.
    On PostgreSQL it keeps `pool_size` connections open, and opens up to `max_overflow`
    more at peaks (a service passes its `db_pool_size` and `db_max_overflow` settings).

    The API, the worker and the outbox relay of a service write the same SQLite file from
    several processes: WAL lets readers go on while one writes, and the busy timeout makes a
    writer wait for the lock instead of failing with "database is locked".
    """
    if not url.startswith("sqlite"):
        # Timestamps are stored as UTC without a zone, on SQLite and PostgreSQL alike: pin the
        # session's zone so PostgreSQL converts nothing, whatever the server's own zone.
        # A small pool per process: a service runs many processes (API replicas, worker
        # children), and PostgreSQL allows 100 connections by default.
        return create_engine(url, pool_pre_ping=True, hide_parameters=True,
                             pool_size=pool_size, max_overflow=max_overflow, pool_timeout=10,
                             connect_args={"options": "-c timezone=UTC",
                                           "connect_timeout": 5})
    return sqlite_engine(url)


# The column type of every timestamp: it stores UTC and always reads back an aware datetime in
# UTC (SQLite hands back naive ones: UTC is attached; PostgreSQL's are converted). A naive
# datetime written to it is refused (ValueError), never guessed at: ours all come from
# `utcnow()` or an event's aware time. SQLModel (>= 0.0.45) gives every `datetime` field this
# type; the Core tables (outbox, inbox, dead letters) name it. `timezone=True` underneath, so
# the columns, and the migrations that made them, are the same as before.
UtcDateTime = UTCDateTime


def stored_as_text(enum: type[StrEnum]) -> Enum:
    """The column type of an enum field: its names in a VARCHAR on every database, not a
    PostgreSQL ENUM type, so that a new value needs no migration of a type."""
    return Enum(enum, native_enum=False, length=32)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep their objects readable after commit (routes return them)."""
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


def create_schema(engine: Engine, metadata: MetaData, attempts: int = 5) -> None:
    """Create the service's tables if missing (migrations take over in production).

    A service's API and worker start together and may both find a table missing; the one
    that loses the race to create it simply checks again.
    """
    for attempt in range(attempts):
        try:
            metadata.create_all(engine)
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def after_commit(sessions: sessionmaker[Any], key: str,
                 callback: Callable[[list[Any]], object]) -> None:
    """Call `callback` with what a session collected in `session.info[key]` (a list) once its
    transaction has committed and given its connection back (the callback may need one of its
    own); a rollback forgets the collection. A failing callback is logged: the commit stands.
    """
    committed = f"{key}:committed"

    @event.listens_for(sessions, "after_commit")
    def _committed(session: Any) -> None:
        if key in session.info:
            session.info.setdefault(committed, []).extend(session.info.pop(key))

    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Any) -> None:
        session.info.pop(key, None)

    @event.listens_for(sessions, "after_transaction_end")
    def _ended(session: Any, transaction: Any) -> None:
        if transaction.parent is not None or not session.info.get(committed):
            return
        try:
            callback(session.info.pop(committed))
        except Exception:
            log.exception("after commit: %s failed", key)


def insert_or_ignore(session: Any, model: Any, **values: Any) -> bool:
    """INSERT a row unless one with the same key exists (another worker's, say): no error.
    True if the row was inserted. `model` is a table or a SQLModel class."""
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
    # RETURNING, not rowcount: psycopg's rowcount for this statement is -1 either way.
    inserted: Any = insert.values(**values).on_conflict_do_nothing().returning(literal_column("1"))
    return session.execute(inserted).first() is not None
