"""A feed document as bytes: `FeedReads` answers a GET or HEAD of a document with the copy the
route would answer from (`Copies.current`, with the same freshness bound), as the route sends
it, 200 or 304, gzipped or not, from the app's outermost layer (shared/observed.py): before
Starlette's middleware, FastAPI's routing and dependencies, which cost about four fifths of
such a request.

A document the copies cannot give (none at that path, the database away) goes on to the route,
which reads again and says why in its own words; so does the index."""

from typing import Any

from services.feeds.serving import Copies, Load, accepts_gzip
from shared.http import first_headers, unchanged
from shared.observed import Answer

PREFIX = "/feeds/"
INDEX = frozenset({"", "index.json"})  # the index routes' paths under PREFIX
METHODS = frozenset({"GET", "HEAD"})  # the route's
READ = frozenset({b"accept-encoding", b"if-none-match", b"if-modified-since"})


class FeedReads:
    """The feeds API's reads from bytes: a document from `copies` (read with `load` when the
    copy in hand is too old), counted under `route` as the route's answer would be."""

    def __init__(self, copies: Copies, load: Load, route: str) -> None:
        self.copies, self.load, self.route = copies, load, route

    async def __call__(self, scope: dict[str, Any]) -> Answer | None:
        if (scope["method"] not in METHODS or scope.get("root_path")
                or (path := scope["path"].removeprefix(PREFIX)) in INDEX
                or path == scope["path"]):
            return None
        try:
            copy = await self.copies.current(path, self.load)
        except Exception:  # no such document, or none to be read now: the route says which
            return None
        headers = first_headers(scope, READ)
        variant = (copy.gzipped if accepts_gzip(headers.get(b"accept-encoding", ""))
                   else copy.plain)
        if unchanged(headers.get(b"if-none-match"), headers.get(b"if-modified-since"),
                     variant.etag, copy.last_modified):
            return Answer(304, variant.raw_not_modified_headers, b"", self.route)
        return Answer(200, variant.raw_headers, variant.body, self.route)
