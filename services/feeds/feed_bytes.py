"""A feed document as bytes: `FeedBytes` answers a GET of a document with the copy the route
would answer from (`Copies.current`, with the same freshness bound), as the route sends it, 200
or 304, gzipped or not, before FastAPI resolves a route and its dependencies. That framework
work cost about four fifths of such a request.

A document the copies cannot give (none at that path, the database away) goes on to the route,
which reads again and says why in its own words; so do HEAD and the index."""

from typing import Any

from services.feeds.serving import Copies, Load, accepts_gzip
from shared.http import first_headers, send_bytes, unchanged

PREFIX = "/feeds/"
INDEX = frozenset({"", "index.json"})  # the index routes' paths under PREFIX
READ = frozenset({b"accept-encoding", b"if-none-match", b"if-modified-since"})


class FeedBytes:
    """ASGI middleware: a GET of a feed document is answered from `copies` (read with `load`
    when the copy in hand is too old), counted under `route` as the route's would be."""

    def __init__(self, app: Any, copies: Copies, load: Load, route: Any) -> None:
        self.app, self.copies, self.load, self.route = app, copies, load, route

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (scope["type"] != "http" or scope["method"] != "GET" or scope.get("root_path")
                or (path := scope["path"].removeprefix(PREFIX)) in INDEX
                or path == scope["path"]):
            return await self.app(scope, receive, send)
        try:
            copy = await self.copies.current(path, self.load)
        except Exception:  # no such document, or none to be read now: the route says which
            return await self.app(scope, receive, send)
        scope["route"] = self.route  # what Observed counts the request under
        headers = first_headers(scope, READ)
        variant = (copy.gzipped if accepts_gzip(headers.get(b"accept-encoding", ""))
                   else copy.plain)
        if unchanged(headers.get(b"if-none-match"), headers.get(b"if-modified-since"),
                     variant.etag, copy.last_modified):
            return await send_bytes(send, 304, variant.raw_not_modified_headers)
        await send_bytes(send, 200, variant.raw_headers, variant.body)
