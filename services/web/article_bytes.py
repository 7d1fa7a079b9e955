"""The article page as bytes: `ArticleReads` answers a plain GET of an article page from
`ArticlePages` (article_pages.py), from the app's outermost layer (shared/observed.py), before
Starlette's middleware and FastAPI's routing, with the headers the route and those layers would
send: the route's ETag, Cache-Control and type, and the security headers (guards.py).

Anything else goes on to the app, whose route says what is wrong in its own words: a query
the cache does not key, a reader with a commenter cookie (under pre-moderation they may see
more than everyone: the route asks), a page the APIs refuse (no such article, the comments
service down)."""

import functools
from typing import Any
from urllib.parse import parse_qsl

from services.web.apis import ServiceError
from services.web.article_pages import CACHE_CONTROL, ArticlePages, Key
from services.web.guards import HEADERS
from shared.api import MAX_ID
from shared.http import unchanged
from shared.observed import Answer

PREFIX = "/articles/"
ROUTE = "/articles/{slug}"  # pages.article's path, as the metrics label its answers
COMMENTER = b"burg_commenter="  # pages.COMMENTER_COOKIE's
HTML = b"text/html; charset=utf-8"


@functools.lru_cache(maxsize=1024)  # readers ask for few distinct pages: parsing costs more
def page_key(path: str, query: str, slug_form: Any) -> Key | None:
    """The key of `/articles/<slug>?…` if it is a plain page the cache answers (no other
    parameter, none twice, a sane `reply_to`); None sends the request to the route."""
    slug = path.removeprefix(PREFIX)
    if slug == path or not slug_form.fullmatch(slug):
        return None
    if not query:
        return slug, None, None, None
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


class ArticleReads:
    """The site's reads from bytes: a GET of an article page (200, or 304 to a matching
    If-None-Match) from `pages`, counted under the route's path."""

    def __init__(self, pages: ArticlePages, slug_form: Any) -> None:
        self.pages, self.slug_form = pages, slug_form

    async def __call__(self, scope: dict[str, Any]) -> Answer | None:
        if scope["method"] != "GET" or not scope["path"].startswith(PREFIX):
            return None
        key = page_key(scope["path"], scope["query_string"].decode("latin-1"), self.slug_form)
        if key is None:
            return None
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"cookie" and COMMENTER in value:
                return None
            if name == b"if-none-match" and if_none_match is None:
                if_none_match = value.decode("latin-1")
        try:
            kept = await self.pages.page(key)
        except ServiceError:
            return None
        etag = kept.etag.encode()
        if unchanged(if_none_match, None, kept.etag):
            return Answer(304, [(b"etag", etag), (b"cache-control", CACHE_CONTROL), *HEADERS],
                          b"", ROUTE)
        return Answer(200, [(b"etag", etag), (b"cache-control", CACHE_CONTROL),
                            (b"content-length", str(len(kept.body)).encode()),
                            (b"content-type", HTML), *HEADERS], kept.body, ROUTE)
