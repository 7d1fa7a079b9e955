"""SQLite as several processes and threads share it: WAL, one writer at a time by turns, and
no fork while a thread is inside SQLite.

A service's API, its worker and the worker's pool children all use the same file. Two rules
of SQLite's own ("How to corrupt an SQLite database", §2.6) shape this module:
- a writer that finds the file locked polls for it (see `_take_turns_writing`);
- a process must not fork while it uses SQLite: the child inherits SQLite's in-process
  record of the parent's locks (POSIX locks are not inherited, the record is), and the
  child's own connections then wait on locks nobody will release. A worker's main process
  forks its pool children while its threads (the outbox sweep, notify's sending threads)
  read and write; see `ForkGate` in shared/forks.py.
"""

import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import create_engine

from shared.forks import ForkGate, on_fork

SQLITE_POOL = 40  # connections kept open per process; AnyIO runs sync routes on 40 threads
SQLITE_WRITE_WAIT = 30  # seconds a writer waits for its turn, as long as the busy timeout


def sqlite_engine(url: str) -> Engine:
    """An engine for a SQLite `url`: WAL, a busy timeout, its folder created, writers taking
    turns, and forks waiting for the threads inside SQLite."""
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: error messages and logs must never show values such as e-mail addresses.
    # A pool as large as the API's thread pool (40): with SQLAlchemy's default of 5, busy
    # moments opened and closed a connection per request, a quarter of a thread read's time.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           hide_parameters=True, pool_size=SQLITE_POOL, max_overflow=10)
    _fork_between_uses(engine)
    _take_turns_writing(engine, Path(path) if path and path != ":memory:" else None)
    return engine


def _pragmas(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _fork_between_uses(engine: Engine) -> None:
    """Count a thread as inside SQLite from opening a connection to its pragmas' end, from
    checkout to checkin (the pool's rollback on return included), and while closing one."""
    gate = ForkGate()
    dialect = engine.dialect

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        with gate.inside():
            connection = dialect.connect(*cargs, **cparams)
            _pragmas(connection)
            return connection

    @event.listens_for(engine, "checkout")
    def _checked_out(_connection: Any, record: Any, _proxy: Any) -> None:
        record.info[_USER] = gate.enter()

    @event.listens_for(engine, "checkin")
    def _checked_in(_connection: Any, record: Any) -> None:
        if _USER in record.info:
            gate.leave(record.info.pop(_USER))

    close = dialect.do_close

    def do_close(connection: Any) -> None:
        with gate.inside():
            close(connection)

    dialect.do_close = do_close  # type: ignore[method-assign,assignment]


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
        # No fork happens mid-write (a writer holds a connection, and forks wait for those:
        # `ForkGate`), so a child only needs a turn of its own.
        on_fork(child=self._after_fork_in_child)

    def _after_fork_in_child(self) -> None:
        """In a child just forked (a worker's pool child): a free turn, and no copy of the
        parent's lock file (while a copy is open, a lock the parent held outlives it)."""
        self.threads = threading.Lock()
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


_USER = "burg_fork_gate_user"  # key in a pool record's info: the thread using it
