"""The article page as bytes: one page for every reader, rendered once per change of the
article or its thread, and answered before the framework runs (article_bytes.py).

Nothing personal is in it: the commenter's nics and count, the editor's buttons and the forms'
CSRF token come from `/articles/<slug>/reader` (pages.py), which `static/reader.js` asks for.
So the bytes carry a strong ETag, set no cookie, and a browser or a shared cache may keep them
(`no-cache`: each use is revalidated, a 304 when nothing changed).

**Freshness.** A page is checked against the APIs (conditional GETs to the posts and comments
APIs with the ETags of the copies it was rendered from; both cheap 304s when nothing changed)
and then served without a check for `fresh_for` seconds (BURG_WEB_PAGE_FRESH_SECONDS, 1 by
default). So a request is answered from a check that began at most `fresh_for` seconds before
it arrived: a new comment, an edit, a hidden comment is on every reader's page at most that
long after the API holds it. A change the site itself made (a comment posted through its form,
an editor's action) is on this process's pages at once (`changed`): whoever made it sees it on
the page they land on; other web processes show it within `fresh_for`. A request that finds
its page older waits for a check that began after it arrived; checks of a page never overlap
(the requests arriving during one share the next), so a page costs the APIs one check per
`fresh_for` at most, however many readers ask."""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from services.web.apis import THREAD_PAGE, Apis, Json, ServiceError, unheard_of
from services.web.sidebar import MARKER, Sidebar
from shared.http import strong_etag

# slug, cursor, before, reply_to: what the page shows depends on nothing else.
Key = tuple[str, str | None, str | None, int | None]
Render = Callable[[Key, Json, Json], bytes]
CACHE_CONTROL = b"public, no-cache"
NEVER = -float("inf")
FORGET_CHANGES_AFTER = 600.0  # seconds: far longer than a check can take (the APIs' timeouts)
ENTRY_BYTES = 2048  # what a kept page costs besides its body, key and article (rounded up)


@dataclass(frozen=True)
class Kept:
    """A rendered page and the copies of the article and thread it was rendered from."""

    body: bytes
    etag: str
    article: Json
    article_etag: str | None
    thread: Json
    thread_etag: str | None  # None: a thread the comments service did not know yet
    checked_at: float  # ArticlePages.clock() when the last check that found it current began
    template: bytes = b""  # as rendered: the sidebar's place marked (sidebar.MARKER)
    sidebar_version: int = -1  # of the sidebar `body` holds


@dataclass
class _Flight:
    """The requests waiting for the next check of one page."""

    waiting: list[asyncio.Future[Kept]] = field(default_factory=list)


class ArticlePages:
    """This process's rendered article pages (least recently used go first past
    `max_bytes`: a reader chooses the key, so keys count too)."""

    def __init__(self, apis: Apis, render: Render, *, fresh_for: float = 1.0,
                 max_bytes: int = 32 * 2**20, clock: Callable[[], float] = time.monotonic,
                 sidebar: Sidebar | None = None) -> None:
        self.apis, self.render, self.max_bytes = apis, render, max_bytes
        self.sidebar = sidebar
        self.fresh_for, self.clock = fresh_for, clock
        self.renders = 0  # how many times a page was rendered (tests read it)
        self._kept: OrderedDict[Key, Kept] = OrderedDict()
        self._bytes = 0
        self._flights: dict[Key, _Flight] = {}
        self._changed: dict[str, float] = {}  # slug -> when the site last changed it, oldest first
        self._tasks: set[asyncio.Task[None]] = set()

    async def page(self, key: Key) -> Kept:
        """The page as the APIs stood at most `fresh_for` seconds ago, with the sidebar as it
        stands (ServiceError as the article's API answered)."""
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

    async def _current(self, key: Key) -> Kept:
        kept = self._kept.get(key)
        if kept is not None and self.clock() - kept.checked_at <= self.fresh_for and (
                kept.checked_at > self._changed.get(key[0], NEVER)):
            return kept
        waiter: asyncio.Future[Kept] = asyncio.get_running_loop().create_future()
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = _Flight([waiter])
            task = asyncio.create_task(self._fly(key, flight))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            flight.waiting.append(waiter)  # a check under way may predate us: the next one
        return await waiter

    async def _fly(self, key: Key, flight: _Flight) -> None:
        try:
            while flight.waiting:
                waiters, flight.waiting = flight.waiting, []
                try:
                    kept = await self._check(key)
                except Exception as exc:  # each waiter gets it
                    if isinstance(exc, ServiceError) and exc.status in (404, 410):
                        self.forget(key[0])  # retracted, or no article: no bytes to keep
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_exception(exc)
                    continue
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(kept)
        finally:
            del self._flights[key]

    def changed(self, slug: str) -> None:
        """The site changed the article `slug` or its thread: its pages are current again
        only after a check that begins now or later; so is the sidebar (a comment changed)."""
        if self.sidebar is not None:
            self.sidebar.changed()
        now = self.clock()
        self._changed.pop(slug, None)
        self._changed[slug] = now
        # Oldest first: once no check that began before a change can still be under way,
        # that change no longer matters.
        while next(iter(self._changed.values())) < now - FORGET_CHANGES_AFTER:
            del self._changed[next(iter(self._changed))]

    def forget(self, slug: str) -> None:
        """Drop every kept page of the article `slug` (it is no longer on the site)."""
        for key in [key for key in self._kept if key[0] == slug]:
            self._drop(key)

    async def _check(self, key: Key) -> Kept:
        slug, params, started = key[0], _params(key), self.clock()
        kept = self._kept.get(key)
        if kept is None:
            article_etag, article = await self.apis.if_changed(self.apis.article_url(slug), None)
            assert article is not None
            thread_etag, thread = await self._thread(article, None, params)
        else:
            (article_etag, article), (thread_etag, thread) = await asyncio.gather(
                self.apis.if_changed(self.apis.article_url(slug), kept.article_etag),
                self._thread(kept.article, kept.thread_etag, params))
            if article is None and thread is None:
                current = replace(kept, checked_at=started)
                if self._kept.get(key) is kept:  # else dropped, or newer, meanwhile
                    self._kept[key] = current
                    self._kept.move_to_end(key)
                return current
            article = article or kept.article
            if article["id"] != kept.article["id"]:  # the slug names another article now
                thread_etag, thread = await self._thread(article, None, params)
            thread = thread or kept.thread
        assert thread is not None
        body = self.render(key, article, thread)
        self.renders += 1
        fresh = Kept(body, strong_etag(body), article, article_etag, thread, thread_etag,
                     started, template=body)
        self._keep(key, fresh)
        return fresh

    async def same_for(self, key: Key, kept: Kept, token: str) -> bool:
        """Whether the commenter `token` sees the thread as every reader does (not so under
        pre-moderation while they have comments waiting, which they alone see)."""
        if kept.thread_etag is None:
            return True
        try:
            _, thread = await self.apis.if_changed(
                self.apis.thread_url(kept.article["id"]), kept.thread_etag,
                _params(key), token)
        except ServiceError:
            return True
        return thread is None

    async def _thread(self, article: Json, etag: str | None,
                      params: dict[str, Any]) -> tuple[str | None, Json | None]:
        try:
            return await self.apis.if_changed(self.apis.thread_url(article["id"]), etag, params)
        except ServiceError as exc:
            if exc.status == 404:
                return None, unheard_of(article)
            raise

    def _keep(self, key: Key, kept: Kept) -> None:
        self._drop(key)
        self._kept[key] = kept
        self._bytes += _cost(key, kept)
        while self._bytes > self.max_bytes and len(self._kept) > 1:
            self._drop(next(iter(self._kept)))

    def _drop(self, key: Key) -> None:
        if (old := self._kept.pop(key, None)) is not None:
            self._bytes -= _cost(key, old)


def _params(key: Key) -> dict[str, Any]:
    _, cursor, before, _ = key
    return {"limit": THREAD_PAGE} | ({"cursor": cursor} if cursor else {}) | (
        {"before": before} if before else {})


def _cost(key: Key, kept: Kept) -> int:
    return (ENTRY_BYTES + len(kept.body) + len(kept.template)
            + sum(len(part or "") for part in key[:3])
            + len(str(kept.article.get("body_html", ""))))
