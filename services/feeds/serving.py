"""How the feeds API serves stored documents: each process keeps a copy of a document it read,
for at most KEPT_FOR seconds from the moment its read began, then reads again before it answers.

That is the freshness bound: once a render has committed, a request that arrives more than
KEPT_FOR seconds later is answered with the new document (or a newer one), by every API
process; WebSub pings wait that long too (see websub.py). While the copy is fresh, requests
cost no database read; a re-read first compares the ETag, and loads the bytes only if it
changed. A request never waits for, nor is answered from, a read that began longer ago.

Usually a change shows sooner: the worker announces the documents a render stored (notices.py),
and a copy or read under way that began before this process heard of its document's change is
not used either.
"""

import asyncio
import functools
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import format_datetime

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from services.feeds import documents
from services.feeds.models import FeedDocument
from services.feeds.settings import FeedsSettings

KEPT_FOR = 0.02  # seconds: the longest an API process serves a copy after its read began
# A copy past KEPT_FOR only spares a re-read the bytes when the ETag is the same; one nobody
# asked for in this long is dropped, so that a process holds the feeds in use, not all.
IDLE = 300.0
CACHE_CONTROL = "public, max-age=300"
VARY = "Accept-Encoding"


@dataclass(frozen=True)
class Variant:
    """One representation of a document as it goes out: its bytes and headers for a 200, and
    the headers of a 304."""

    body: bytes
    etag: str
    headers: dict[str, str]
    not_modified_headers: dict[str, str]
    # The same as an ASGI layer sends them (feed_bytes.py), as Starlette's Response would.
    raw_headers: list[tuple[bytes, bytes]]
    raw_not_modified_headers: list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Copy:
    """A document as this process holds it: both forms, and when its read began."""

    etag: str  # of the plain bytes, as stored
    last_modified: datetime
    plain: Variant
    gzipped: Variant
    read_at: float  # time.monotonic() when the read that gave it began


@dataclass
class _Read:
    started: float
    future: "asyncio.Future[Copy]"


# Reads a document in a thread: (path, the copy in hand, when the read began) → its copy.
Load = Callable[[str, "Copy | None", float], Copy]
# Calls its argument with the path of each document that changed, for as long as it runs.
Listen = Callable[[Callable[[str], None]], Awaitable[None]]


class Copies:
    """The copies one API process holds, and the reads under way: the service's, wired in its
    bootstrap (not a module's: each service, each test, has its own). Its methods run on the
    event loop only, so they need no lock."""

    def __init__(self, *, idle: float = IDLE, listen: Listen | None = None) -> None:
        self.idle = idle  # seconds: a copy nobody asked for in this long is dropped
        self._copies: dict[str, Copy] = {}  # path → the newest copy; at most one a document
        self._reads: dict[str, _Read] = {}  # path → the newest read under way
        self._changed: dict[str, float] = {}  # path → when this process last heard it changed
        self._swept = 0.0  # when idle copies were last dropped
        # Notices of changed documents, heard by a task on the event loop serving requests
        # (started by the first request: the loop does not exist before).
        self._listen = listen
        self._listening: asyncio.Future[None] | None = None

    def heard(self, path: str) -> None:
        """The document at `path` changed: its copy, and a read begun before now, are old.
        Only a document held or being read needs the note."""
        if path in self._copies or path in self._reads:
            self._changed[path] = time.monotonic()

    def paths(self) -> set[str]:
        """The paths of the documents held."""
        return set(self._copies)

    async def current(self, path: str, load: Load) -> Copy:
        """The document at `path`, from a read that began at most KEPT_FOR seconds ago: the
        copy in hand if it is that young, else the read under way if it is, else a new one
        with `load`. Concurrent requests share one read. NotFound if there is no such
        document."""
        if self._listen is not None:
            self._keep_listening()
        now = time.monotonic()
        changed = self._changed.get(path, -math.inf)
        copy = self._copies.get(path)
        if copy is not None and now - copy.read_at <= KEPT_FOR and copy.read_at > changed:
            return copy
        under_way = self._reads.get(path)
        if (under_way is None or now - under_way.started > KEPT_FOR
                or under_way.started <= changed):
            under_way = _Read(started=now, future=asyncio.ensure_future(
                run_in_threadpool(load, path, copy, now)))
            self._reads[path] = under_way
            under_way.future.add_done_callback(functools.partial(self._keep, path, under_way))
        # Shielded: a client that hangs up must not cancel the read the others wait for.
        return await asyncio.shield(under_way.future)

    def _keep(self, path: str, read: _Read, done: "asyncio.Future[Copy]") -> None:
        if self._reads.get(path) is read:
            del self._reads[path]
        if done.cancelled() or done.exception() is not None:
            self._copies.pop(path, None)  # gone (404) or unreadable: nobody gets the old copy
            return
        copy = done.result()
        held = self._copies.get(path)
        if held is None or held.read_at < copy.read_at:  # a slow older read never wins
            self._copies[path] = copy
        if copy.read_at - self._swept > self.idle:
            self._swept = copy.read_at
            cold = [p for p, c in self._copies.items() if copy.read_at - c.read_at > self.idle]
            for idle in cold:
                del self._copies[idle]
            # A note older than KEPT_FOR says nothing: what began before it is too old anyway.
            self._changed = {p: t for p, t in self._changed.items()
                             if copy.read_at - t <= KEPT_FOR}

    def _keep_listening(self) -> None:
        """Start listening for notices on the running loop, unless a task does (again after
        it ended, or in a new loop: a test's client runs each in a loop of its own)."""
        listening = self._listening
        if (listening is None or listening.done()
                or listening.get_loop() is not asyncio.get_running_loop()):
            assert self._listen is not None
            self._listening = asyncio.ensure_future(self._listen(self.heard))


def read(*, session: Session, settings: FeedsSettings, path: str, copy: Copy | None,
         started: float) -> Copy:
    """The document at `path` as a copy begun at `started`; if `copy` has the ETag stored,
    only that is read (not the bytes) and `copy` is kept. An article's comment feed that is
    not stored yet is made from the read model (empty_feeds.py)."""
    if copy is not None and documents.stored_etag(session=session, path=path,
                                                   settings=settings) == copy.etag:
        return replace(copy, read_at=started)
    return as_copy(documents.get_document(session=session, path=path, settings=settings),
                   started)


def as_copy(document: FeedDocument, read_at: float) -> Copy:
    """A stored document in the form the API sends it, headers made once."""
    last_modified = document.last_modified
    common = {"Cache-Control": CACHE_CONTROL, "Vary": VARY,
              "Last-Modified": format_datetime(last_modified, usegmt=True)}

    def variant(body: bytes, etag: str, encoding: dict[str, str]) -> Variant:
        headers = common | {"ETag": etag, "Content-Type": document.content_type} | encoding
        not_modified = common | {"ETag": etag}
        return Variant(body=body, etag=etag, headers=headers, not_modified_headers=not_modified,
                       raw_headers=[*_raw(headers), (b"content-length", str(len(body)).encode())],
                       raw_not_modified_headers=_raw(not_modified))

    return Copy(etag=document.etag, last_modified=last_modified, read_at=read_at,
                plain=variant(document.body, document.etag, {}),
                gzipped=variant(document.body_gzip, documents.gzip_etag(document.etag),
                                {"Content-Encoding": "gzip"}))


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers.items()]


@functools.lru_cache(maxsize=256)  # clients send few distinct headers
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether a request's Accept-Encoding lets us send gzip (RFC 9110 §12.5.3): gzip (or
    x-gzip, or `*`) with a weight above 0, and not weighed below identity."""
    weights: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0  # a weight we cannot read accepts nothing
        if coding.strip():
            weights.setdefault(coding.strip(), weight)
    gzip = weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0)))
    return gzip > 0 and gzip >= weights.get("identity", 0.0)
