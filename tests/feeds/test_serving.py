"""The API's copies of documents, in process: no copy is served, nor a read joined, that began
more than KEPT_FOR before the request; concurrent requests share one read; Accept-Encoding."""

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from services.feeds.models import FeedDocument
from services.feeds.serving import KEPT_FOR, Copies, Copy, accepts_gzip, as_copy


class Store:
    """Stands in for the database: the document's current bytes, and the reads made."""

    def __init__(self) -> None:
        self.version = 0
        self.reads: list[float] = []
        self.hold, self.began = threading.Event(), threading.Event()
        self.hold.set()

    def load(self, path: str, copy: Copy | None, started: float) -> Copy:
        self.reads.append(started)
        version = self.version  # what the read sees
        self.began.set()
        self.hold.wait(10)
        body = f"version {version}".encode()
        return as_copy(FeedDocument(path=path, content_type="text/plain", body=body,
                                    body_gzip=body, etag=f'"{version}"',
                                    last_modified=datetime(2026, 1, 1, tzinfo=UTC)), started)


def wait_past(moment: float) -> None:
    """Let the bound pass: this is what is under test, not a guess at a duration."""
    while time.monotonic() <= moment:
        time.sleep(0.01)


def test_a_request_after_the_bound_gets_what_is_stored_now() -> None:
    store, copies = Store(), Copies()

    async def scenario() -> None:
        assert (await copies.current("a.rss", store.load)).etag == '"0"'
        store.version = 1  # a render commits
        committed = time.monotonic()
        wait_past(committed + KEPT_FOR)
        assert (await copies.current("a.rss", store.load)).etag == '"1"'

    asyncio.run(scenario())


async def hanging_read(store: "Store", copies: Copies) -> "asyncio.Future[Copy]":
    """A read of a held copy, past its bound, that hangs in the store having seen version 0
    (until `store.hold` is set)."""
    await copies.current("a.rss", store.load)
    wait_past(time.monotonic() + KEPT_FOR)
    store.hold.clear()
    store.began.clear()
    slow = asyncio.ensure_future(copies.current("a.rss", store.load))
    assert await asyncio.to_thread(store.began.wait, 10)
    return slow


def test_a_read_begun_before_the_bound_is_not_joined() -> None:
    store, copies = Store(), Copies()

    async def scenario() -> None:
        slow = await hanging_read(store, copies)
        store.version = 1
        committed = time.monotonic()
        wait_past(committed + KEPT_FOR)
        store.hold.set()
        fresh = await copies.current("a.rss", store.load)
        assert fresh.etag == '"1"' and (await slow).etag == '"0"'
        # The slow, older read finished last: it does not replace the newer copy.
        assert (await copies.current("a.rss", store.load)).etag == '"1"'

    asyncio.run(scenario())


def test_concurrent_requests_share_one_read() -> None:
    store, copies = Store(), Copies()

    async def scenario() -> None:
        got = await asyncio.gather(*(copies.current("a.rss", store.load) for _ in range(50)))
        assert {c.etag for c in got} == {'"0"'} and len(store.reads) == 1

    asyncio.run(scenario())


@pytest.mark.parametrize("header, gzip", [
    ("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.8, *;q=0.1", True), ("x-gzip", True),
    ("*", True), ("", False), ("identity", False), ("deflate, br", False),
    ("gzip;q=0", False), ("*;q=0", False), ("gzip;q=0, *", False),
    ("gzip;q=0.5, identity", False), ("GZIP;Q=0.5, identity;q=0.2", True),
    ("gzip;q=nonsense", False),
])
def test_accept_encoding(header: str, gzip: bool) -> None:
    assert accepts_gzip(header) is gzip


def test_copies_nobody_asked_for_are_dropped() -> None:
    store, copies = Store(), Copies(idle=0.2)

    async def scenario() -> None:
        await copies.current("cold.rss", store.load)
        wait_past(time.monotonic() + 0.25)
        await copies.current("hot.rss", store.load)
        assert copies.paths() == {"hot.rss"}

    asyncio.run(scenario())


def test_a_notice_makes_the_next_request_read_at_once() -> None:
    store, copies = Store(), Copies()

    async def scenario() -> None:
        await copies.current("a.rss", store.load)
        store.version = 1  # a render commits, and announces it
        copies.heard("a.rss")
        assert (await copies.current("a.rss", store.load)).etag == '"1"'
        assert len(store.reads) == 2
        # The new copy serves on, until the bound or the next notice.
        assert (await copies.current("a.rss", store.load)).etag == '"1"'
        assert len(store.reads) == 2

    asyncio.run(scenario())


def test_a_read_begun_before_a_notice_is_not_joined_nor_kept_as_fresh() -> None:
    store, copies = Store(), Copies()

    async def scenario() -> None:
        slow = await hanging_read(store, copies)
        store.version = 1
        copies.heard("a.rss")
        store.hold.set()
        assert (await copies.current("a.rss", store.load)).etag == '"1"'
        assert (await slow).etag == '"0"'
        assert (await copies.current("a.rss", store.load)).etag == '"1"'

    asyncio.run(scenario())


def test_copies_listen_for_notices_on_the_loop_that_serves() -> None:
    store = Store()
    heard_by: list[asyncio.AbstractEventLoop] = []

    async def listen(heard: Callable[[str], None]) -> None:
        heard_by.append(asyncio.get_running_loop())
        await asyncio.sleep(0)
        heard("a.rss")  # announced once the first copy is held
        await asyncio.Event().wait()

    copies = Copies(listen=listen)

    async def scenario() -> None:
        await copies.current("a.rss", store.load)
        store.version = 1
        await asyncio.sleep(0.001)  # the listener's turn: it hears of the change
        assert (await copies.current("a.rss", store.load)).etag == '"1"'

    asyncio.run(scenario())
    asyncio.run(scenario())  # a new loop gets a listener of its own
    assert len(heard_by) == 2 and heard_by[0] is not heard_by[1]
