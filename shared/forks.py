"""What must happen around a fork: a worker's main process forks its pool children while its
threads hold locks (the outbox's relay start, SQLite's turn), and a child must not inherit a
lock held by a thread that does not exist in it."""

import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.mapper import _CONFIGURE_MUTEX

log = logging.getLogger(__name__)

FORK_WAIT = 30  # seconds a fork waits for the threads inside a ForkGate
_orm_guarded = False


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


def guard_orm_configuration() -> None:
    """SQLAlchemy configures the models' mappers under one process-wide lock, the first time a
    model is used. A fork while another thread holds that lock (a notify sender's first query
    as Celery forks its pool child) leaves the child's copy locked for good, and every query
    of the child then waits on it: each event it took ran into the time limit. So: configure
    them now, and let no fork happen while a thread holds the lock (from now on, in this
    process)."""
    global _orm_guarded
    configure_mappers()
    if not _orm_guarded:
        _orm_guarded = True
        os.register_at_fork(before=_CONFIGURE_MUTEX.acquire,
                            after_in_parent=_CONFIGURE_MUTEX.release,
                            after_in_child=_CONFIGURE_MUTEX.release)


class ForkGate:
    """Threads of this process inside something a fork must not split (SQLite: see
    shared/sqlite.py), and a fork that waits until none is.

    Counted by thread, not by connection: a thread already inside may open a second
    connection while a fork waits (it must, or both would wait for each other). A fork waits
    up to FORK_WAIT, then goes on with a warning: a child that cannot use the database is
    caught by the task time limit; a worker that never forks is worse.
    """

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.inside_by_thread: dict[int, int] = {}
        self.forking = False
        on_fork(before=self._before_fork, parent=self._after_fork_in_parent,
                child=self._after_fork_in_child)

    def enter(self) -> int:
        """Count this thread in (after any fork under way) and return its id, for `leave`."""
        me = threading.get_ident()
        with self.changed:
            if me not in self.inside_by_thread:
                self.changed.wait_for(lambda: not self.forking, timeout=FORK_WAIT)
            self.inside_by_thread[me] = self.inside_by_thread.get(me, 0) + 1
        return me

    def leave(self, thread: int) -> None:
        with self.changed:
            left = self.inside_by_thread.get(thread, 0) - 1
            if left > 0:
                self.inside_by_thread[thread] = left
            else:
                self.inside_by_thread.pop(thread, None)
                self.changed.notify_all()

    @contextmanager
    def inside(self) -> Iterator[None]:
        thread = self.enter()
        try:
            yield
        finally:
            self.leave(thread)

    def _before_fork(self) -> None:
        me = threading.get_ident()
        with self.changed:
            self.forking = True
            if not self.changed.wait_for(lambda: set(self.inside_by_thread) <= {me},
                                         timeout=FORK_WAIT):
                log.warning("forking while %d threads are inside: the child may find the "
                            "database locked", len(set(self.inside_by_thread) - {me}))

    def _after_fork_in_parent(self) -> None:
        with self.changed:
            self.forking = False
            self.changed.notify_all()

    def _after_fork_in_child(self) -> None:
        # Only the forking thread lives on; the others' counts and the lock's state stay behind.
        self.changed = threading.Condition()
        me = threading.get_ident()
        mine = self.inside_by_thread.get(me)
        self.inside_by_thread = {me: mine} if mine else {}
        self.forking = False
