"""The article page as bytes: one page for every reader, rendered once per change of the
article or its thread, and answered without the framework's routing (`ArticleBytes`).

Nothing personal is in it: the commenter's nics and count, the editor's buttons and the forms'
CSRF token come from `/articles/<slug>/reader` (pages.py), which `static/reader.js` asks for.
So the bytes carry a strong ETag, set no cookie, and a browser or a shared cache may keep them
(`no-cache`: each use is revalidated, a 304 when nothing changed).

A page is never older than the request it answers: each request waits for a check of the
article and its thread that *started after it arrived* (conditional GETs to the posts and
comments APIs with the ETags of the copies it was rendered from; both cheap 304s when nothing
changed). Checks of a page never overlap: the requests that arrive during one check share the
next, so however many readers ask, a page costs the APIs at most one check per round trip,
and a new comment shows on the next load of every reader."""

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from services.web.apis import THREAD_PAGE, Apis, Json, ServiceError, unheard_of
from shared.api import MAX_ID
from shared.http import strong_etag

# slug, cursor, before, reply_to: what the page shows depends on nothing else.
Key = tuple[str, str | None, str | None, int | None]
Render = Callable[[Key, Json, Json], bytes]
CACHE_CONTROL = b"public, no-cache"
COMMENTER = b"burg_commenter="  # pages.COMMENTER_COOKIE's
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


@dataclass
class _Flight:
    """The requests waiting for the next check of one page."""

    waiting: list[asyncio.Future[Kept]] = field(default_factory=list)


class ArticlePages:
    """This process's rendered article pages (least recently used go first past
    `max_bytes`: a reader chooses the key, so keys count too)."""

    def __init__(self, apis: Apis, render: Render, *, max_bytes: int = 32 * 2**20) -> None:
        self.apis, self.render, self.max_bytes = apis, render, max_bytes
        self.renders = 0  # how many times a page was rendered (tests read it)
        self._kept: OrderedDict[Key, Kept] = OrderedDict()
        self._bytes = 0
        self._flights: dict[Key, _Flight] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def page(self, key: Key) -> Kept:
        """The page as the APIs stand now (ServiceError as the article's API answered)."""
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
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_exception(exc)
                    continue
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(kept)
        finally:
            del self._flights[key]

    async def _check(self, key: Key) -> Kept:
        slug, params = key[0], _params(key)
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
                self._kept.move_to_end(key)
                return kept
            article = article or kept.article
            if article["id"] != kept.article["id"]:  # the slug names another article now
                thread_etag, thread = await self._thread(article, None, params)
            thread = thread or kept.thread
        assert thread is not None
        body = self.render(key, article, thread)
        self.renders += 1
        fresh = Kept(body, strong_etag(body), article, article_etag, thread, thread_etag)
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
    return (ENTRY_BYTES + len(kept.body) + sum(len(part or "") for part in key[:3])
            + len(str(kept.article.get("body_html", ""))))


def page_key(path: str, query: str, slug_form: Any) -> Key | None:
    """The key of `/articles/<slug>?…` if it is a plain page the cache answers (no other
    parameter, none twice, a sane `reply_to`); None sends the request to the route."""
    slug = path.removeprefix("/articles/")
    if slug == path or not slug_form.fullmatch(slug):
        return None
    given = parse_qsl(query, keep_blank_values=True)
    params = dict(given)
    if len(params) != len(given) or not params.keys() <= {"cursor", "before", "reply_to"}:
        return None
    reply_to = params.get("reply_to")
    if reply_to is not None and not (reply_to.isascii() and reply_to.isdigit()
                                     and 1 <= int(reply_to) <= MAX_ID):
        return None
    return (slug, params.get("cursor") or None, params.get("before") or None,
            int(reply_to) if reply_to else None)


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether a request's If-None-Match names `etag` (or `*`)."""
    if if_none_match is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


class ArticleBytes:
    """ASGI middleware: a GET of an article page is answered from `ArticlePages`' bytes (200,
    or 304 to a matching If-None-Match); anything else, or a page the APIs refuse (no such
    article, the comments service down), goes on to the app, whose route says why."""

    def __init__(self, app: Any, pages: ArticlePages, slug_form: Any) -> None:
        self.app, self.pages, self.slug_form = app, pages, slug_form

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(
                "/articles/"):
            return await self.app(scope, receive, send)
        key = page_key(scope["path"], scope["query_string"].decode("latin-1"), self.slug_form)
        # A commenter may see more than everyone (their waiting comments): the route asks.
        if key is None or COMMENTER in dict(scope["headers"]).get(b"cookie", b""):
            return await self.app(scope, receive, send)
        try:
            kept = await self.pages.page(key)
        except ServiceError:
            return await self.app(scope, receive, send)
        await send_page(kept, dict(scope["headers"]).get(b"if-none-match"), send)


async def send_page(kept: Kept, if_none_match: bytes | None, send: Any) -> None:
    """The kept page, or a 304 if the client holds these bytes."""
    headers = [(b"etag", kept.etag.encode()), (b"cache-control", CACHE_CONTROL)]
    if matches(if_none_match.decode("latin-1") if if_none_match else None, kept.etag):
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers += [(b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(kept.body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": kept.body})
