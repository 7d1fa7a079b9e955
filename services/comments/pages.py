"""Thread pages kept ready in memory, so that reading a thread costs no database work.

Each article's thread has a version number in Redis, raised after every commit that wrote one
of its comments or its replica. A page is kept under the version read *before* it was built,
so a page built while a change commits is filed under the older number and never served once
the number has moved on; a page of a newer number takes the place of the older one, so a
thread written to all the time keeps one copy of each page, not one per version. Every API
process keeps its own pages (least recently used go first)
and all of them see the same numbers; a page also expires after `ttl` seconds, which bounds
what a lost version bump (a crash between commit and bump, Redis briefly away) can cost.

What a process keeps is bounded by `max_bytes`, counting each page's key (its cursors) as
well as its body and bookkeeping: a reader chooses the key, so the key must cost too. Least
recently used pages go first, and expired ones are swept out every `ttl / 4` seconds, so
pages of versions that moved on do not wait for the bound. The API refuses a cursor that
is not a place in its thread before a page is built (threads.py), so keys are real pages.
"""

import asyncio
import logging
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import Any

import redis
import redis.asyncio
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from services.comments.models import ArticleReplica, Comment, Commenter
from shared.db import after_commit
from shared.http import strong_etag

log = logging.getLogger(__name__)
# What one kept page costs besides its key's and its body's objects: the Page, the ETag, and
# the OrderedDict's entry and links (measured near 350 bytes with CPython 3.11; rounded up).
ENTRY_BYTES = 512

WRITTEN = "burg_threads_written"  # key in Session.info: article ids whose thread changed
# The version of the site-wide lists (the newest comments, a nic's: lists.py), kept as if it
# were a thread's: raised with every thread's, and by a change of a commenter (a ban).
SITE_WIDE = 0


def written(session: Session, article_id: int) -> None:
    """Tell the session that it changed the article's thread by a statement of its own (the
    ORM's changes it sees by itself): its pages go once the session commits."""
    session.info.setdefault(WRITTEN, []).append(article_id)


@dataclass(frozen=True)
class Page:
    """A thread page as sent: JSON bytes, their ETag, and until when they may be sent."""

    body: bytes
    etag: str
    fresh_until: float  # ThreadPages.clock(), time.monotonic() but in tests
    version: int = 0  # of the thread, read before the page was built


class ThreadPages:
    """Built thread pages of this process, valid while their thread's version stands."""

    def __init__(self, redis_url: str, *, prefix: str, ttl: float = 60.0,
                 max_bytes: int = 64 * 2**20,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.redis_url, self.prefix, self.ttl, self.max_bytes = redis_url, prefix, ttl, max_bytes
        self.clock = clock
        self._pages: OrderedDict[tuple[Any, ...], Page] = OrderedDict()
        self._bytes = 0  # what the kept pages cost, as `cost` counts it
        self._next_sweep = 0.0
        self._sync: redis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the next three's
        self._reader: asyncio.Task[None] | None = None  # reading versions while there are calls
        self._connection: redis.asyncio.Connection | None = None  # for the versions' reads
        # Article id -> the calls waiting for its version from the next read (or the first).
        self._waiting: dict[int, list[asyncio.Future[int | None]]] = {}

    def watch(self, sessions: sessionmaker[Any]) -> None:
        """Raise the version of every thread a committed session of `sessions` wrote to."""

        @event.listens_for(sessions, "after_flush")
        def _written(session: Session, _context: Any) -> None:
            session.info.setdefault(WRITTEN, []).extend(
                obj.article_id if isinstance(obj, (Comment, ArticleReplica)) else SITE_WIDE
                for obj in chain(session.new, session.dirty, session.deleted)
                if isinstance(obj, (Comment, ArticleReplica, Commenter)))

        after_commit(sessions, WRITTEN, lambda article_ids: self.bump(set(article_ids)))

    def bump(self, article_ids: set[int]) -> None:
        """New versions for these threads, and for the site-wide lists they appear in: every
        process stops serving their pages."""
        article_ids = article_ids | {SITE_WIDE}
        try:
            if self._sync is None:
                self._sync = redis.Redis.from_url(self.redis_url)
            if len(article_ids) == 1:  # as a comment is posted: a pipeline costs more
                self._sync.incr(f"{self.prefix}:{next(iter(article_ids))}")
                return
            pipe = self._sync.pipeline(transaction=False)
            for article_id in article_ids:
                pipe.incr(f"{self.prefix}:{article_id}")
            pipe.execute()
        except redis.RedisError as exc:  # the pages expire by themselves within `ttl`
            log.warning("thread pages: could not raise versions of %s: %s", article_ids, exc)

    async def get(self, key: tuple[Any, ...], article_id: int,
                  build: Callable[[], tuple[bytes, float | None]], *,
                  shared: bool = True) -> Page:
        """The page `key` of the article's thread, built by `build` (in a worker thread) if
        this process has no current copy. `build` returns the JSON and, if the page must
        change at a known time (the thread closes), the seconds until then. A page that is
        not `shared` (one reader's own view) is always built and never kept."""
        version = await self._version(article_id) if shared else None
        full_key = (article_id, *key)
        if version is not None and (page := self._current(full_key, version)) is not None:
            return page
        body, changes_in = await run_in_threadpool(build)
        lifetime = self.ttl if changes_in is None else max(0.0, min(self.ttl, changes_in))
        page = Page(body=body, etag=strong_etag(body), fresh_until=self.clock() + lifetime,
                    version=version or 0)
        if version is not None:  # without Redis no version: never keep what cannot be dropped
            self._keep(full_key, page)
        return page

    async def kept(self, key: tuple[Any, ...], article_id: int) -> Page | None:
        """The shared page `key` of the article's thread if this process holds it for the
        thread's version as it stands now (what `get` would answer without building)."""
        version = await self._version(article_id)
        return None if version is None else self._current((article_id, *key), version)

    def _current(self, full_key: tuple[Any, ...], version: int) -> Page | None:
        page = self._pages.get(full_key)
        if page is not None:
            if page.version == version and page.fresh_until > self.clock():
                self._pages.move_to_end(full_key)
                return page
            self._drop(full_key)  # expired, or the thread moved on
        return None

    async def _version(self, article_id: int) -> int | None:
        """The thread's version from a read of Redis that began after this call did. Reads
        never overlap: the calls that arrive during one share the next, one MGET of every
        thread they ask about, so a crowd costs one round trip at a time, not one each."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new loop (tests run several): a connection of its own
            self._loop, self._reader, self._connection, self._waiting = loop, None, None, {}
        waiter: asyncio.Future[int | None] = loop.create_future()
        self._waiting.setdefault(article_id, []).append(waiter)
        if self._reader is None or self._reader.done():
            self._reader = loop.create_task(self._read_versions())
        return await waiter

    async def _read_versions(self) -> None:
        """Read for everyone waiting until no one is: each read answers the calls made before
        it began; those made meanwhile wait for the next."""
        waiting: dict[int, list[asyncio.Future[int | None]]] = {}
        try:
            while self._waiting:
                waiting, self._waiting = self._waiting, {}
                versions = await self._read(list(waiting))
                for article_id, waiters in waiting.items():
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_result(None if versions is None else versions[article_id])
        finally:  # cancelled (the loop is closing): they fall to None
            for waiter in chain.from_iterable((*waiting.values(), *self._waiting.values())):
                if not waiter.done():
                    waiter.set_result(None)
            self._waiting = {}

    async def _read(self, article_ids: list[int]) -> dict[int, int] | None:
        """The versions of these threads (0 if never raised), or None if Redis did not say.
        One connection of this process's, used directly: the client's pool and retries
        cost several times what the round trip does, and one read at a time needs neither."""
        try:
            if self._connection is None:
                pool = redis.asyncio.ConnectionPool.from_url(self.redis_url)
                self._connection = await pool.get_connection()
            await self._connection.send_packed_command(self._connection.pack_command(
                "MGET", *(f"{self.prefix}:{article_id}" for article_id in article_ids)))
            values = await self._connection.read_response()
        except redis.RedisError as exc:  # the connection reconnects at the next read
            log.warning("thread pages: no versions for articles %s: %s", article_ids, exc)
            return None
        return {article_id: int(value or 0)
                for article_id, value in zip(article_ids, values, strict=True)}

    @property
    def size(self) -> int:
        """Bytes the kept pages cost (keys, bodies and bookkeeping); at most `max_bytes`."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._pages)

    def _keep(self, key: tuple[Any, ...], page: Page) -> None:
        now = self.clock()
        if now >= self._next_sweep:
            self._sweep(now)
        if (held := self._pages.get(key)) is not None and held.version > page.version:
            return  # built from an older version than the one a faster build kept
        self._drop(key)
        cost = page_cost(key, page)
        if cost > self.max_bytes or page.fresh_until <= now:  # no room, or stale already
            return
        self._pages[key] = page
        self._bytes += cost
        while self._bytes > self.max_bytes:
            old_key, old = self._pages.popitem(last=False)
            self._bytes -= page_cost(old_key, old)

    def _drop(self, key: tuple[Any, ...]) -> None:
        if (old := self._pages.pop(key, None)) is not None:
            self._bytes -= page_cost(key, old)

    def _sweep(self, now: float) -> None:
        """Drop every expired page (a page of a version that moved on expires like any)."""
        for key in [k for k, page in self._pages.items() if page.fresh_until <= now]:
            self._drop(key)
        self._next_sweep = now + self.ttl / 4


def page_cost(key: tuple[Any, ...], page: Page) -> int:
    """What keeping `page` under `key` costs in memory, in bytes (a safe overestimate)."""
    return (ENTRY_BYTES + sys.getsizeof(key) + sum(sys.getsizeof(part) for part in key)
            + sys.getsizeof(page.body) + sys.getsizeof(page.etag))
