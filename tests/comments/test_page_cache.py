"""The thread-page cache (services/comments/pages.py) stays within its bound in bytes, keys
included, and lets expired pages go; and the running API keeps no page for a cursor that
names no place in its thread (10,000 of them do not grow it)."""

import asyncio
import base64
import gc
import itertools
import tracemalloc
import uuid
from collections.abc import Callable

import httpx
import psutil

from services.comments.pages import ThreadPages, page_cost
from tests.comments.helpers import open_article, post
from tests.conftest import Stack

BOUND = 2**20


def fill(pages: ThreadPages, keys: list[tuple[str, str | None, int]],
         body: Callable[[int], bytes], changes_in: float | None = None) -> None:
    """Ask `pages` for each key once (each is built: they are all distinct)."""
    async def run() -> None:
        for n, key in enumerate(keys):
            await pages.get(key, 1, lambda n=n: (body(n), changes_in))  # type: ignore[misc]
    asyncio.run(run())


def long_cursor(n: int) -> str:
    # A real cursor's size: a comment 40 replies deep has a path of 368 characters.
    path = "/".join(f"{n + depth:08x}" for depth in range(41))
    return base64.urlsafe_b64encode(path.encode()).decode()


def test_10000_distinct_cursors_keep_the_cache_within_its_bound(redis_url: str) -> None:
    pages = ThreadPages(redis_url, prefix=f"test:pages:{uuid.uuid4().hex}", max_bytes=BOUND)
    keys = [(long_cursor(n), None, 100) for n in range(10_000)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fill(pages, keys, lambda n: b'{"comments": []}')
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Small bodies under long keys: counting bodies alone kept all 10,000 (about 14 MB).
    assert 0 < len(pages) < 10_000
    assert pages.size <= BOUND
    assert held < BOUND * 1.5, f"the cache holds {held} bytes for a bound of {BOUND}"
    # What it counts is at least what the pages take.
    assert sum(page_cost(k, p) for k, p in pages._pages.items()) == pages.size


def test_the_least_recently_used_page_goes_first_and_the_bound_counts_bodies(
        redis_url: str) -> None:
    pages = ThreadPages(redis_url, prefix=f"test:pages:{uuid.uuid4().hex}", max_bytes=BOUND)
    fill(pages, [(None, None, limit) for limit in range(1, 41)], lambda n: b"x" * 50_000)
    assert pages.size <= BOUND and 10 < len(pages) < 40
    kept = {key[-1] for key in pages._pages}
    assert kept == set(range(41 - len(pages), 41))  # the newest ones


def test_expired_pages_are_dropped_not_only_replaced(redis_url: str) -> None:
    now = itertools.count()  # a clock that moves a second at each look
    pages = ThreadPages(redis_url, prefix=f"test:pages:{uuid.uuid4().hex}", ttl=8.0,
                        clock=lambda: float(next(now)))
    fill(pages, [(None, None, limit) for limit in range(1, 1001)], lambda n: b"{}")
    # Each page lives 8 "seconds"; the sweep every 2 leaves a handful, never the 1,000.
    assert 0 < len(pages) <= 8
    assert pages.size == sum(page_cost(k, p) for k, p in pages._pages.items())


def api_memory(stack: Stack) -> int:
    """Resident bytes of the comments API's uvicorn and its worker processes."""
    port = stack.urls["comments"].rsplit(":", 1)[1]
    started = [p for p in psutil.process_iter(["cmdline"])
               if "services.comments.api:main" in " ".join(p.info["cmdline"] or [])
               and f"--port {port}" in " ".join(p.info["cmdline"] or [])]
    assert started, "no comments API process"
    # uvicorn and its worker processes (and the shell honcho started it with).
    every = {p.pid: p for top in started for p in [top, *top.children(recursive=True)]}
    return sum(p.memory_info().rss for p in every.values())


def test_10000_cursors_that_point_nowhere_are_refused_and_kept_nowhere(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    post(comments, article, "The only comment.")
    thread = f"/articles/{article}/comments"
    comments.get(thread).raise_for_status()
    before = api_memory(stack)

    async def ask_all() -> list[int]:
        async with httpx.AsyncClient(base_url=comments.base_url, timeout=30,
                                     limits=httpx.Limits(max_connections=8)) as http:
            statuses = []
            for start in range(0, 10_000, 500):
                answers = await asyncio.gather(*(
                    http.get(thread, params={"cursor": long_cursor(n)})
                    for n in range(start, start + 500)))
                statuses += [a.status_code for a in answers]
            return statuses

    statuses = asyncio.run(ask_all())
    assert statuses == [422] * 10_000
    grown = api_memory(stack) - before
    # Each such page used to be kept under its 500-byte cursor (several MB for these); a
    # generous margin for the allocator's own ways.
    assert grown < 20 * 2**20, f"the comments API grew by {grown} bytes"


def test_a_thread_written_to_all_the_time_keeps_one_copy_of_each_page(redis_url: str) -> None:
    pages = ThreadPages(redis_url, prefix=f"test:pages:{uuid.uuid4().hex}", max_bytes=BOUND)

    async def read_and_write() -> None:
        for n in range(200):  # a comment, then a read of the first page, 200 times
            pages.bump({1})
            await pages.get((None, None, 100), 1, lambda n=n: (b"x" * 1000 + bytes([n]), None))
            assert await pages.kept((None, None, 100), 1) is not None
    asyncio.run(read_and_write())
    # Each version's page used to stay until it expired (60 s): 200 copies here.
    assert len(pages) == 1
    assert pages.size == sum(page_cost(k, p) for k, p in pages._pages.items())
