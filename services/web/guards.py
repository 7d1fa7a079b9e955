"""ASGI middleware around the site's pages: the security headers every answer carries, and a
cap on request bodies that answers with a page rather than reading on.

The pages run two scripts, `/static/comment-form.js` and `/static/reader.js`, and no inline
script, style or event handler, so the Content-Security-Policy allows only the site's own
files; pictures in comments (`[foto]`) come from any https address."""

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from starlette.exceptions import HTTPException

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https:",
    "connect-src 'self'",  # the live preview's fetch
    "form-action 'self'",
    "frame-ancestors 'none'",  # no page of ours inside another site's frame (clickjacking)
    "base-uri 'none'",
))
HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors, for browsers that predate it
    # Other sites learn only our origin from a link; a route may ask for less (no-referrer).
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)
TOO_LARGE = 413


class SecurityHeaders:
    """Adds `HEADERS` to every answer that does not set its own value of one."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in HEADERS if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """A request body over `limit` bytes gets 413 and is not read further: at once, with the
    page `too_large` makes, when its Content-Length says so; otherwise where it passes the
    limit, as an HTTPException(413) raised in the reader (a route, or the form parser), which
    the app's handler turns into the same page."""

    def __init__(self, app: Any, limit: int, too_large: Callable[[Request], Response]) -> None:
        self.app, self.limit, self.too_large = app, limit, too_large

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            response = self.too_large(Request(scope))
            response.headers["connection"] = "close"  # the rest of the body is not read
            return await response(scope, receive, send)
        seen = 0

        async def receive_limited() -> dict[str, Any]:
            nonlocal seen
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(TOO_LARGE, headers={"Connection": "close"})
            return message

        await self.app(scope, receive_limited, send)


async def read_at_most(request: Request, limit: int) -> bytes | None:
    """The request's body, or None as soon as it is known to be over `limit` bytes (from
    its Content-Length, or while it arrives): an oversized body is never read whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)
