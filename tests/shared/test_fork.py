"""A worker's pool child is forked from a main process whose threads (the outbox sweep, the
sending threads) may be writing the database at that moment: the child must still get its
turn to write. Forked mid-transaction, it would inherit SQLite's record of the parent's
write and find the database locked for good; so a fork waits for the writer's commit."""

import multiprocessing
import sys
import threading
from pathlib import Path

from sqlalchemy import Engine, text

from shared.db import make_engine


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
