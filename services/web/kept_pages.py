"""Pages kept as bytes: one page for every reader, rendered once per change of what it shows,
answered before the framework runs (page_bytes.py): article pages (article_pages.py) and the
lists of articles (listing_pages.py).

A page is rendered from **parts**, each one API's answer (the article, its thread, a list, its
comment counts, a sidebar) checked on its own with a conditional GET against the copy the page
was made from (`conditional`: a 304 when nothing changed). Parts come in stages: a later one may
read an earlier one's data (the thread needs the article's id); a kept page's parts are checked
all at once on the data in hand, and a later stage again only where an earlier part changed.

**Freshness.** A page is checked and then served without a check for `fresh_for` seconds
(BURG_WEB_PAGE_FRESH_SECONDS, 1 by default): a request is answered from a check that began at
most that long before it arrived. A change the site itself made (a comment posted through its
form, an editor's action) is on this process's pages at once (`changed`); other web processes
show it within `fresh_for`. A request that finds its page older waits for a check that began
after it arrived; checks of a page never overlap (the requests arriving during one share the
next), so a page costs the APIs one check per `fresh_for` at most. A page read in the second
half of its window is checked ahead of time while still served: under a steady load no reader
waits (unless a check takes longer than half the window).

**Memory.** Least recently used pages go first past `max_bytes`, keys counted (a reader
chooses them). A page the APIs refuse (404, 410: no such article, a page past the last) is
not kept.

**The sidebar** (sidebar.py) is on every page but is no part: a page is rendered with
`sidebar.MARKER` in its place, and the current fragment is put there when the page is served,
once per change of the sidebar, so a new comment elsewhere renders no page again."""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar

from services.web.apis import Apis, ServiceError
from services.web.sidebar import MARKER, Sidebar
from shared.http import strong_etag

K = TypeVar("K", bound=Hashable)
K_contra = TypeVar("K_contra", bound=Hashable, contravariant=True)
CACHE_CONTROL = b"public, no-cache"
NEVER = -float("inf")
FORGET_CHANGES_AFTER = 600.0  # seconds: far longer than a check can take (the APIs' timeouts)
ENTRY_BYTES = 2048  # what a kept page costs besides its body, key and parts (rounded up)


@dataclass(frozen=True)
class Got:
    """One part as a page was rendered from it: what was asked (its URL and parameters, in
    the part's own words), the ETag(s) the API gave, and the data."""

    asked: Any  # hashable
    etag: Any
    data: Any


class Part(Protocol[K_contra]):
    """One source of a page, checked on its own."""

    name: str

    async def check(self, key: K_contra, given: Mapping[str, Any], old: Got | None) -> Got:
        """The part as its API holds it now (`old` itself when that is current), `given` the
        data of the earlier stages' parts."""
        ...


async def conditional(apis: Apis, url: str, params: Mapping[str, Any] | None,
                      old: Got | None) -> Got:
    """A part that is one GET: sent with `old`'s ETag if `old` asked the same, and `old`
    itself back when the API says it is current (a 304, or the same JSON from an API that
    gives no ETag)."""
    asked = (url, tuple(sorted((params or {}).items())))
    same = old is not None and old.asked == asked
    etag, data = await apis.if_changed(url, old.etag if same and old else None,
                                       dict(params or {}))
    if same and old is not None and (data is None or (etag is None and data == old.data)):
        return old
    return Got(asked, etag, data)


@dataclass(frozen=True)
class Kept:
    """A rendered page and the parts it was rendered from."""

    body: bytes
    etag: str
    parts: Mapping[str, Got]
    checked_at: float  # KeptPages.clock() when the last check that found it current began
    template: bytes = b""  # as rendered: the sidebar's place marked (sidebar.MARKER)
    sidebar_version: int = -1  # of the sidebar `body` holds

    def data(self, name: str) -> Any:
        return self.parts[name].data


class KeptPages(Generic[K]):
    """This process's pages of one kind: `render` makes a page's bytes from its key and its
    parts' data; `group` names what a change of the site's (`changed`) and a 404 touch."""

    def __init__(self, stages: Sequence[Sequence[Part[K]]],
                 render: Callable[[K, Mapping[str, Any]], bytes], *,
                 group: Callable[[K], Hashable], fresh_for: float = 1.0,
                 max_bytes: int = 32 * 2**20, clock: Callable[[], float] = time.monotonic,
                 sidebar: Sidebar | None = None) -> None:
        self.stages, self.render, self.group, self.sidebar = stages, render, group, sidebar
        self.fresh_for, self.max_bytes, self.clock = fresh_for, max_bytes, clock
        self.renders = 0  # how many times a page was rendered (tests read it)
        self._kept: OrderedDict[K, Kept] = OrderedDict()
        self._bytes = 0
        self._flights: dict[K, list[asyncio.Future[Kept]]] = {}  # who waits for the next
        self._changed: dict[Hashable, float] = {}  # group -> when last changed, oldest first
        self._all_changed = NEVER
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def kept_bytes(self) -> int:
        """What the kept pages cost, as `max_bytes` bounds it."""
        return self._bytes

    async def page(self, key: K) -> Kept:
        """The page as the APIs stood at most `fresh_for` seconds ago, with the sidebar as it
        stands (ServiceError as an API answered)."""
        kept = await self._current(key)
        if self.sidebar is None:
            return kept
        html = await self.sidebar.current()
        if kept.sidebar_version == self.sidebar.version:
            return kept
        # Put in place once per change of the sidebar, not rendered again.
        head, _, tail = kept.template.partition(MARKER.encode())
        body = b"".join((head, html.encode(), tail))
        served = replace(kept, body=body, etag=strong_etag(body),
                         sidebar_version=self.sidebar.version)
        if self._kept.get(key) is kept:  # else dropped, or newer, meanwhile
            self._keep(key, served)
        return served

    async def _current(self, key: K) -> Kept:
        kept = self._kept.get(key)
        if kept is not None and (kept.checked_at > self._all_changed) and (
                kept.checked_at > self._changed.get(self.group(key), NEVER)):
            age = self.clock() - kept.checked_at
            if age <= self.fresh_for:
                if age > self.fresh_for / 2 and key not in self._flights:
                    self._start(key, [])  # the next check ahead of time: readers never wait
                return kept
        waiter: asyncio.Future[Kept] = asyncio.get_running_loop().create_future()
        flight = self._flights.get(key)
        if flight is None:
            self._start(key, [waiter])
        else:
            flight.append(waiter)  # a check under way may predate us: the next one
        return await waiter

    def _start(self, key: K, waiting: list[asyncio.Future[Kept]]) -> None:
        self._flights[key] = waiting
        task = asyncio.create_task(self._fly(key, waiting))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fly(self, key: K, flight: list[asyncio.Future[Kept]]) -> None:
        try:
            ahead = not flight  # a check begun ahead of time: nobody waits for it
            while flight or ahead:
                ahead, waiters = False, flight[:]
                flight.clear()
                try:
                    kept = await self._check(key)
                except Exception as exc:  # each waiter gets it
                    if isinstance(exc, ServiceError) and exc.status in (404, 410):
                        self.forget(self.group(key))  # no such page: no bytes to keep
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_exception(exc)
                    continue
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(kept)
        finally:
            del self._flights[key]

    def changed(self, group: Hashable | None = None) -> None:
        """The site changed what the pages of `group` show (None: what any page shows): they
        are current again only after a check that begins now or later."""
        now = self.clock()
        if group is None:
            self._all_changed = now
            return
        self._changed.pop(group, None)
        self._changed[group] = now
        # Oldest first: once no check that began before a change can still be under way,
        # that change no longer matters.
        while next(iter(self._changed.values())) < now - FORGET_CHANGES_AFTER:
            del self._changed[next(iter(self._changed))]

    def forget(self, group: Hashable) -> None:
        """Drop every kept page of `group` (it is no longer on the site)."""
        for key in [key for key in self._kept if self.group(key) == group]:
            self._drop(key)

    async def _check(self, key: K) -> Kept:
        started = self.clock()
        kept = self._kept.get(key)
        got = await self._parts(key, kept.parts if kept is not None else None)
        if kept is not None and all(got[name] is kept.parts[name] for name in got):
            current = replace(kept, checked_at=started)
            if self._kept.get(key) is kept:  # else dropped, or newer, meanwhile
                self._kept[key] = current
                self._kept.move_to_end(key)
            return current
        body = self.render(key, {name: part.data for name, part in got.items()})
        self.renders += 1
        fresh = Kept(body, strong_etag(body), got, started, template=body)
        self._keep(key, fresh)
        return fresh

    async def _parts(self, key: K, old: Mapping[str, Got] | None) -> dict[str, Got]:
        """Every part as its API holds it now: on a kept page all at once, then each later
        stage again where an earlier part changed; else stage by stage."""
        got: dict[str, Got] = {}
        if old is not None:
            given = {name: part.data for name, part in old.items()}
            everything = [part for stage in self.stages for part in stage]
            found = await asyncio.gather(*(part.check(key, given, old.get(part.name))
                                           for part in everything))
            got = {part.name: one for part, one in zip(everything, found, strict=True)}
        moved = old is None
        for stage in self.stages:
            if moved:
                given = {name: part.data for name, part in got.items()}
                found = await asyncio.gather(*(part.check(key, given, got.get(
                    part.name, (old or {}).get(part.name))) for part in stage))
                got.update({part.name: one for part, one in zip(stage, found, strict=True)})
            moved = moved or any(old is None or got[part.name] is not old.get(part.name)
                                 for part in stage)
        return got

    def _keep(self, key: K, kept: Kept) -> None:
        self._drop(key)
        self._kept[key] = kept
        self._bytes += _cost(key, kept)
        while self._bytes > self.max_bytes and len(self._kept) > 1:
            self._drop(next(iter(self._kept)))

    def _drop(self, key: K) -> None:
        if (old := self._kept.pop(key, None)) is not None:
            self._bytes -= _cost(key, old)


def _cost(key: Hashable, kept: Kept) -> int:
    # The parts' data is about as large as the page made of it: counted as the body again.
    return ENTRY_BYTES + 2 * len(kept.body) + len(kept.template) + len(repr(key))
