"""Database helpers: one engine per service, SQLite (WAL) by default, PostgreSQL by URL."""

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine


def make_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file gets WAL, a busy timeout and its folder created.

    The API, the worker and the outbox relay of a service write the same SQLite file from
    several processes: WAL lets readers go on while one writes, and the busy timeout makes a
    writer wait for the lock instead of failing with "database is locked".
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: error messages and logs must never show values such as e-mail addresses.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


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
