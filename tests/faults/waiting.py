"""Waiting on a condition with a bound, without failing: a fault case measures what happens
when the bound passes instead of stopping there."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def until(check: Callable[[], T], timeout: float) -> T | None:
    """Poll `check` until it returns something truthy (returned) or `timeout` seconds pass
    (None)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)
