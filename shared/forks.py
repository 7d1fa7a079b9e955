"""What must happen around a fork: a worker's main process forks its pool children while its
threads hold locks (the outbox's relay start, SQLite's turn), and a child must not inherit a
lock held by a thread that does not exist in it."""

import os
import weakref
from collections.abc import Callable


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
