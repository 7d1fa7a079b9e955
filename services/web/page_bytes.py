"""Kept pages as bytes: `PageReads` answers a plain GET of an article page (article_pages.py)
or of a list of articles (listing_pages.py) from the app's outermost layer
(shared/observed.py), before Starlette's middleware and FastAPI's routing, with the headers
the route and those layers would send: the route's ETag, Cache-Control and type, and the
security headers (guards.py).

Anything else goes on to the app, whose route says what is wrong in its own words: a query
the cache does not key, a reader with a commenter cookie on an article page (under
pre-moderation they may see more than everyone: the route asks), a page the APIs refuse (no
such article, a page past the last, the comments service down)."""

import functools
import re
from typing import Any
from urllib.parse import parse_qsl

from services.web.apis import ServiceError
from services.web.guards import HEADERS
from services.web.kept_pages import CACHE_CONTROL, KeptPages
from services.web.listings import number_of
from shared.api import MAX_ID
from shared.http import unchanged
from shared.observed import Answer

ARTICLE = "/articles/{slug}"  # pages.article's path, as the metrics label its answers
COMMENTER = b"burg_commenter="  # pages.COMMENTER_COOKIE's
HTML = b"text/html; charset=utf-8"
# The archive's addresses, with the route each is counted under (listings.archive's paths).
ARCHIVE = re.compile(r"/archive/([0-9]{4})/(?:([0-9]{2})/(?:([0-9]{2})/)?)?")
ARCHIVE_ROUTES = ("/archive/{year}/", "/archive/{year}/{month}/",
                  "/archive/{year}/{month}/{day}/")


def _params(query: str, allowed: set[str]) -> dict[str, str] | None:
    given = parse_qsl(query, keep_blank_values=True)
    params = dict(given)
    return params if len(params) == len(given) and params.keys() <= allowed else None


@functools.lru_cache(maxsize=1024)  # readers ask for few distinct pages: parsing costs more
def article_key(path: str, query: str, slug_form: Any) -> Any:
    """The key of `/articles/<slug>?…` if it is a plain page the cache answers (no other
    parameter, none twice, a sane `reply_to`); None sends the request to the route."""
    slug = path.removeprefix("/articles/")
    if slug == path or not slug_form.fullmatch(slug):
        return None
    if not query:
        return slug, None, None, None
    params = _params(query, {"cursor", "before", "reply_to"})
    if params is None:
        return None
    reply_to = params.get("reply_to")
    if reply_to is not None and not (reply_to.isascii() and reply_to.isdigit()
                                     and 1 <= int(reply_to) <= MAX_ID):
        return None
    return (slug, params.get("cursor") or None, params.get("before") or None,
            int(reply_to) if reply_to else None)


@functools.lru_cache(maxsize=1024)
def listing_key(path: str, query: str, slug_form: Any) -> tuple[tuple[str, str, int], str] | None:
    """The key of a numbered list's page (`/`, `/categories/<slug>`, `/archive/…/`, with at
    most `?page=<n>`) and the route it is counted under; None sends it to the route."""
    params = _params(query, {"page"}) if query else {}
    number = None if params is None else number_of(params.get("page"))
    if number is None:
        return None
    if path == "/":
        return ("front", "", number), "/"
    slug = path.removeprefix("/categories/")
    if slug != path:
        return (("category", slug, number), "/categories/{slug}") if slug_form.fullmatch(
            slug) else None
    if (found := ARCHIVE.fullmatch(path)) is None:
        return None
    parts = [part for part in found.groups() if part]
    return ("archive", "/".join(parts), number), ARCHIVE_ROUTES[len(parts) - 1]


class PageReads:
    """The site's reads from bytes: a GET of an article page or a list (200, or 304 to a
    matching If-None-Match) from the kept pages, counted under the route's path."""

    def __init__(self, articles: KeptPages[Any], lists: KeptPages[Any],
                 slug_form: Any) -> None:
        self.articles, self.lists, self.slug_form = articles, lists, slug_form

    async def __call__(self, scope: dict[str, Any]) -> Answer | None:
        if scope["method"] != "GET":
            return None
        path, query = scope["path"], scope["query_string"].decode("latin-1")
        pages: KeptPages[Any]
        if path.startswith("/articles/"):
            key, route, pages = article_key(path, query, self.slug_form), ARTICLE, self.articles
        elif (listed := listing_key(path, query, self.slug_form)) is not None:
            (key, route), pages = listed, self.lists
        else:
            return None
        if key is None:
            return None
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"cookie" and pages is self.articles and COMMENTER in value:
                return None
            if name == b"if-none-match" and if_none_match is None:
                if_none_match = value.decode("latin-1")
        try:
            kept = await pages.page(key)
        except ServiceError:
            return None
        etag = kept.etag.encode()
        if unchanged(if_none_match, None, kept.etag):
            return Answer(304, [(b"etag", etag), (b"cache-control", CACHE_CONTROL), *HEADERS],
                          b"", route)
        return Answer(200, [(b"etag", etag), (b"cache-control", CACHE_CONTROL),
                            (b"content-length", str(len(kept.body)).encode()),
                            (b"content-type", HTML), *HEADERS], kept.body, route)
