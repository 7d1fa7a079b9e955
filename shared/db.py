"""Database helpers: one engine per service, SQLite (WAL) by default, PostgreSQL by URL."""

import fcntl
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Enum, MetaData, event, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine
from sqlmodel.sql.sqltypes import UTCDateTime

log = logging.getLogger(__name__)

SQLITE_POOL = 40  # connections kept open per process; AnyIO runs sync routes on 40 threads
SQLITE_WRITE_WAIT = 30  # seconds a writer waits for its turn, as long as the busy timeout


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
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: error messages and logs must never show values such as e-mail addresses.
    # A pool as large as the API's thread pool (40): with SQLAlchemy's default of 5, busy
    # moments opened and closed a connection per request, a quarter of a thread read's time.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           hide_parameters=True, pool_size=SQLITE_POOL, max_overflow=10)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    _take_turns_writing(engine, Path(path) if path and path != ":memory:" else None)
    return engine


def _take_turns_writing(engine: Engine, database: Path | None) -> None:
    """Let the writers of a SQLite file queue for their turn instead of polling for it.

    SQLite has one writer at a time; a writer that finds the file locked sleeps and retries
    (1, 2, 5 … up to 100 ms), so sixteen threads posting at once spent most of their time
    asleep while the lock sat free. A thread now takes a turn (see `_Turn`) just before its
    first write statement (where pysqlite begins the transaction) and hands it on at commit
    or rollback.
    """
    turn = _Turn(database.with_name(f"{database.name}-writer") if database else None)
    holder = turn.holder
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        connection = cursor.connection
        if statement.lstrip()[:6].upper() not in _WRITES or (holder and holder[0] is connection):
            return
        turn.take()
        holder.append(connection)

    def _hand_on(end: Callable[[Any], None]) -> Callable[[Any], None]:
        def ended(connection: Any) -> None:
            try:
                end(connection)
            finally:  # SQLAlchemy passes its pool's wrapper, the cursor knew the raw one
                if holder and holder[0] is getattr(connection, "dbapi_connection", connection):
                    holder.clear()
                    turn.give()
        return ended

    dialect.do_commit = _hand_on(commit)  # type: ignore[method-assign,assignment]
    dialect.do_rollback = _hand_on(rollback)  # type: ignore[method-assign,assignment]


class _Turn:
    """One writer at a time: first among this process's threads (a lock), then among the
    processes writing the same file (an flock on a file beside it).

    The API processes, the worker and its children all write a service's file. Between
    processes SQLite's own lock is polled, and under load a writer slept up to 100 ms per
    try; the kernel hands an flock to the next waiter at once, and frees it if its holder
    dies. The thread lock gives up after SQLITE_WRITE_WAIT (a 503); the flock has no
    timeout, but only one thread per process waits on it, and a holder that hangs would hold
    SQLite's lock as well.
    """

    def __init__(self, lock_file: Path | None) -> None:
        self.threads = threading.Lock()
        self.lock_file = lock_file
        self._opened: tuple[int, int] | None = None  # (pid, fd): a forked child opens its own
        self.holder: list[Any] = []  # the DBAPI connection holding the turn, if any
        self._held_for_fork = False
        on_fork(before=self._before_fork, parent=self._after_fork_in_parent,
                child=self._after_fork_in_child)

    def _before_fork(self) -> None:
        # A child forked while a thread of this process is inside a write transaction
        # inherits SQLite's record of that transaction, and its own connections then find
        # the database locked for good. So no fork happens mid-write: it waits for the turn.
        self._held_for_fork = self.threads.acquire(timeout=SQLITE_WRITE_WAIT)

    def _after_fork_in_parent(self) -> None:
        if self._held_for_fork:
            self._held_for_fork = False
            self.threads.release()

    def _after_fork_in_child(self) -> None:
        """In a child just forked (a worker's pool child): a free turn, and no copy of the
        parent's lock file (while a copy is open, a lock the parent held outlives it)."""
        self.threads, self._held_for_fork = threading.Lock(), False
        self.holder.clear()
        if self._opened is not None:
            try:
                os.close(self._opened[1])
            except OSError:
                pass
            self._opened = None

    def take(self) -> None:
        if not self.threads.acquire(timeout=SQLITE_WRITE_WAIT):
            raise TimeoutError(f"no turn to write the database within {SQLITE_WRITE_WAIT} s")
        try:
            if self.lock_file is not None:
                fcntl.flock(self._fd(), fcntl.LOCK_EX)
        except BaseException:
            self.threads.release()
            raise

    def give(self) -> None:
        try:
            if self.lock_file is not None:
                fcntl.flock(self._fd(), fcntl.LOCK_UN)
        finally:
            self.threads.release()

    def _fd(self) -> int:
        # An flock belongs to an open file: a child sharing its parent's would share its turn.
        if self._opened is None or self._opened[0] != os.getpid():
            assert self.lock_file is not None
            self._opened = (os.getpid(), os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600))
        return self._opened[1]


_WRITES = {"INSERT", "UPDATE", "DELETE", "REPLAC"}


def on_fork(*, before: Callable[[], object] | None = None,
            parent: Callable[[], object] | None = None,
            child: Callable[[], object] | None = None) -> None:
    """Call these methods of an object around each `os.fork()` from now on (a worker forking
    its pool children), while the object lives: it is held weakly."""
    hooks = {}
    for name, method in (("before", before), ("after_in_parent", parent),
                         ("after_in_child", child)):
        if method is not None:
            ref = weakref.WeakMethod(method)
            hooks[name] = lambda ref=ref: (alive := ref()) is not None and alive()
    os.register_at_fork(**hooks)


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
