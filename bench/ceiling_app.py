"""The ceilings the feeds API is measured against: apps that only return the same feed bytes
(with the same validators and a 304 for a matching If-None-Match), one as a bare ASGI callable
and one as a minimal FastAPI app. Run by bench.feeds_throughput under uvicorn, like the API:
`BENCH_FEED=<file> BENCH_ETAG=<etag> uvicorn bench.ceiling_app:bare` (or `:framework`). The
combined bench (`python -m bench`) serves a thread page's JSON and an article page's HTML the
same way, with BENCH_TYPE set to their content type."""

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response

BODY = Path(os.environ.get("BENCH_FEED", "/dev/null")).read_bytes()
ETAG = os.environ.get("BENCH_ETAG", '"x"')
TYPE = os.environ.get("BENCH_TYPE", "application/rss+xml; charset=utf-8")
HEADERS = [(b"content-type", TYPE.encode()), (b"etag", ETAG.encode()),
           (b"cache-control", b"public, max-age=300")]


async def bare(scope: Any, receive: Any, send: Any) -> None:
    """The least an ASGI server can be asked to do for this document."""
    if scope["type"] != "http":
        return
    matches = dict(scope["headers"]).get(b"if-none-match") == ETAG.encode()
    body = b"" if matches else BODY
    await send({"type": "http.response.start", "status": 304 if matches else 200,
                "headers": [*HEADERS, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


framework = FastAPI()


@framework.get("/{path:path}")
async def document(path: str, request: Request) -> Response:
    """The same bytes from one FastAPI route, no middleware."""
    headers = {"ETag": ETAG, "Cache-Control": "public, max-age=300"}
    if request.headers.get("if-none-match") == ETAG:
        return Response(status_code=304, headers=headers)
    return Response(BODY, media_type=TYPE, headers=headers)
