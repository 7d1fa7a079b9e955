"""A thread page as bytes: `ThreadReads` answers a plain GET of a thread page that this process
holds, current (`ThreadPages.kept`: the same version check against Redis as the route's), with
the route's own bytes and headers, from the app's outermost layer (shared/observed.py): before
Starlette's middleware, FastAPI's routing, dependencies and parameters, which cost about four
fifths of such a request.

Only what is surely the shared page is answered here: no commenter token under pre-moderation
(their own view), each parameter at most once, none empty, each within the route's bounds.
Anything else, and a page not held, goes on to the route, which builds it, keeps it, and says
what is wrong with a request in its own words."""

import functools
import re
from typing import Any
from urllib.parse import parse_qsl

from services.comments.pages import ThreadPages
from shared.api import MAX_ID
from shared.http import first_headers, unchanged
from shared.observed import Answer

PATH = re.compile(r"/api/comments/articles/([1-9][0-9]{0,9})/comments")
PARAMS = frozenset({"cursor", "before", "limit"})
MAX_CURSOR, MAX_LIMIT, LIMIT = 540, 500, 100  # as api.py's Cursor and PageLimit
CACHE_CONTROL = b"no-cache"
JSON = b"application/json"
READ = frozenset({b"if-none-match", b"x-commenter-token"})


@functools.lru_cache(maxsize=1024)  # readers send few distinct queries: parsing costs more
def page_key(query: bytes) -> tuple[str | None, str | None, int] | None:
    """The (cursor, before, limit) key the route files a page under, for a query it would
    surely take as given; None sends the request to the route."""
    if not query:
        return None, None, LIMIT
    given = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    params = dict(given)
    if len(params) != len(given) or not params.keys() <= PARAMS or not all(params.values()):
        return None
    limit = params.get("limit", str(LIMIT))
    if not (limit.isascii() and limit.isdigit() and limit[0] != "0"
            and int(limit) <= MAX_LIMIT):
        return None
    cursor, before = params.get("cursor"), params.get("before")
    if len(cursor or "") > MAX_CURSOR or len(before or "") > MAX_CURSOR:
        return None
    return cursor, before, int(limit)


class ThreadReads:
    """The comments API's reads from bytes: a GET of a thread page held by `pages` (200, or
    304 to a matching If-None-Match), counted under `route` as the route's answer would be.
    The route takes no HEAD (405), so neither does this."""

    def __init__(self, pages: ThreadPages, premoderation: bool, route: str) -> None:
        self.pages, self.premoderation, self.route = pages, premoderation, route

    async def __call__(self, scope: dict[str, Any]) -> Answer | None:
        if (scope["method"] != "GET" or scope.get("root_path")
                or (match := PATH.fullmatch(scope["path"])) is None
                or (article_id := int(match[1])) > MAX_ID
                or (key := page_key(scope["query_string"])) is None):
            return None
        headers = first_headers(scope, READ)
        # Only under pre-moderation can a commenter see more than anyone: the route asks.
        if self.premoderation and headers.get(b"x-commenter-token"):
            return None
        page = await self.pages.kept(key, article_id)
        if page is None:
            return None
        etag = page.etag.encode()
        if unchanged(headers.get(b"if-none-match"), None, page.etag):
            return Answer(304, [(b"etag", etag), (b"cache-control", CACHE_CONTROL)], b"",
                          self.route)
        return Answer(200, [(b"etag", etag), (b"cache-control", CACHE_CONTROL),
                            (b"content-length", str(len(page.body)).encode()),
                            (b"content-type", JSON)], page.body, self.route)
