"""A worker's pool child is forked from a main process whose threads (the outbox sweep, the
sending threads) may be reading or writing the database at that moment: the child must still
get its turn to write. Forked while a thread is inside SQLite, it would inherit SQLite's
record of that thread's locks and find the database locked (for the 30 s busy timeout, again
and again); so a fork waits for the threads to give their connections back."""

import multiprocessing
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.mapper import _CONFIGURE_MUTEX

from shared.db import make_engine
from shared.forks import guard_orm_configuration


def write_in_child(engine: Engine) -> None:
    engine.dispose(close=False)  # as a worker's pool child does (shared/runtime.py)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
    except Exception as exc:  # the exit status says it; the parent's assertion shows it
        print(f"child could not write: {exc}", file=sys.stderr)
        sys.exit(1)


def test_a_child_forked_while_a_thread_writes_gets_its_turn(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fork.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    writing, done = threading.Event(), threading.Event()

    def writer() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))  # holds the turn until commit
            writing.set()
            done.wait(timeout=60)

    thread = threading.Thread(target=writer)
    thread.start()
    assert writing.wait(timeout=30)
    threading.Timer(0.5, done.set).start()  # the writer commits in its own time
    child = multiprocessing.get_context("fork").Process(target=write_in_child, args=(engine,))
    child.start()  # asked for while the writer is inside its transaction
    thread.join(timeout=30)
    child.join(timeout=60)
    assert child.exitcode == 0, "the forked child could not write"
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT x FROM t")).scalars()) == [1, 2]


@pytest.fixture
def busy_engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine whose two threads read and one writes, without a pause, until the test ends
    (as a worker's main process: the periodic sweep, notify's sending threads)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            with engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM t")).all()

    def write() -> None:
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (0)"))

    threads = [threading.Thread(target=job) for job in (read, read, write)]
    for thread in threads:
        thread.start()
    yield engine
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


def test_children_forked_while_threads_read_and_write_can_all_write(
        busy_engine: Engine) -> None:
    # Before forks waited for readers too, about one child in fifteen found the database
    # locked: forty children all failing to see it would take luck.
    context = multiprocessing.get_context("fork")
    for _ in range(40):
        child = context.Process(target=write_in_child, args=(busy_engine,))
        child.start()
        child.join(timeout=120)
        assert child.exitcode == 0, "a child forked amid reads could not write"


def configure_in_child() -> None:
    """A model first used in the child: SQLAlchemy configures its mapper under its lock."""
    from sqlalchemy.orm import registry
    from sqlmodel import Field, SQLModel

    class Late(SQLModel, registry=registry(), table=True):
        id: int | None = Field(default=None, primary_key=True)

    configure_mappers()
    sys.exit(0)


def test_a_child_forked_while_a_thread_configures_the_orm_can_configure_it() -> None:
    """SQLAlchemy configures mappers under one process-wide lock; a child forked while a
    thread of the parent held it would wait on it forever (a notify pool child did: every
    event it took ran into the time limit). With the guard, the fork waits for the lock."""
    guard_orm_configuration()
    holding, release = threading.Event(), threading.Event()

    def configuring() -> None:  # as a thread configuring the models is, for a moment
        with _CONFIGURE_MUTEX:
            holding.set()
            release.wait(timeout=60)

    thread = threading.Thread(target=configuring)
    thread.start()
    assert holding.wait(timeout=60)
    child = multiprocessing.get_context("fork").Process(target=configure_in_child)
    threading.Timer(0.5, release.set).start()  # the fork waits for this, not for ever
    child.start()
    child.join(timeout=60)
    thread.join()
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0, "the child waited on a lock held by a thread it does not have"
