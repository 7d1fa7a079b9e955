"""HTTP helpers every API shares: conditional GETs (ETag, Last-Modified, 304), for the routes
and for the reads answered from bytes before them (shared/observed.py), and a JSON 413 for a
request that declares a body over the limit."""

import hashlib
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel


def strong_etag(body: bytes) -> str:
    """A strong ETag that changes exactly when the bytes do."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str, last_modified: datetime | None = None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; else If-Modified-Since."""
    return unchanged(request.headers.get("if-none-match"),
                     request.headers.get("if-modified-since"), etag, last_modified)


def unchanged(if_none_match: str | None, if_modified_since: str | None, etag: str,
              last_modified: datetime | None = None) -> bool:
    """`not_modified` on the headers' values, for an ASGI layer that has no Request."""
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if if_modified_since and last_modified is not None:
        try:
            client_date = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if client_date.tzinfo is None:
            client_date = client_date.replace(tzinfo=UTC)
        # Any date at or after ours means the client's copy is current (FreshRSS #6056).
        return last_modified <= client_date
    return False


def first_headers(scope: dict[str, Any], names: frozenset[bytes]) -> dict[bytes, str]:
    """The first value of each of `names` in an ASGI request (as Starlette's `headers.get`
    reads them: the first one sent), decoded as Latin-1."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in names and name not in found:
            found[name] = value.decode("latin-1")
    return found


def json_with_etag(request: Request, model: BaseModel, *, cache_control: str) -> Response:
    """`model` as JSON with a strong ETag, or an empty 304 if the client has these bytes."""
    body = json.dumps(model.model_dump(mode="json"), separators=(",", ":")).encode()
    etag = strong_etag(body)
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


class DeclaredBodyLimit:
    """ASGI middleware: a Content-Length over `limit` gets a JSON 413 before anything runs.

    FastAPI's own `max_body_size` still guards bodies that arrive without a length.
    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        length = dict(scope.get("headers", ())).get(b"content-length", b"")
        if scope["type"] == "http" and length.isdigit() and int(length) > self.limit:
            body = json.dumps({"detail": f"the request body is over {self.limit} bytes"})
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        await self.app(scope, receive, send)
