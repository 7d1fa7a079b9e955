"""The ceilings Burg's APIs are measured against: the least the same stack can do.

Feeds: apps that only return the same feed bytes (with the same validators and a 304 for a
matching If-None-Match), one as a bare ASGI callable and one as a minimal FastAPI app. Run by
bench.feeds_throughput under uvicorn, like the API:
`BENCH_FEED=<file> BENCH_ETAG=<etag> uvicorn bench.ceiling_app:bare` (or `:framework`).

Comment POSTs: `comments`, the least a POST can do and still follow DESIGN.md §3, run by
bench.comments_throughput as the comments service runs (see the section below).
"""

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from starlette.concurrency import run_in_threadpool

from shared.celery_app import make_celery
from shared.db import make_engine
from shared.settings import Settings

BODY = Path(os.environ.get("BENCH_FEED", "/dev/null")).read_bytes()
ETAG = os.environ.get("BENCH_ETAG", '"x"')
TYPE = "application/rss+xml; charset=utf-8"
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


# The comment POST ceiling: a FastAPI route validates the body, writes one row in one
# transaction (with make_engine's SQLite settings), and sends one Celery task (with
# make_celery's settings), which a prefork worker takes, does nothing with, and acknowledges.
# No rate limit, markup, identity, outbox or feeds: whatever Burg does beyond this costs more.
#   BENCH_DATABASE_URL=sqlite:///<file> BENCH_REDIS_URL=<url> uvicorn bench.ceiling_app:comments
#   BENCH_REDIS_URL=<url> celery -A bench.ceiling_app:consumer worker -Q ceiling

comments = FastAPI()
engine = make_engine(os.environ.get("BENCH_DATABASE_URL", "sqlite:///ceiling.db"))  # opened on use
consumer = make_celery("ceiling", Settings(), os.environ.get("BENCH_REDIS_URL", "redis://"))
posted = Table("comment", MetaData(), Column("id", Integer, primary_key=True),
               Column("article_id", Integer, nullable=False),
               Column("nic", String(40), nullable=False),
               Column("body", String(20_000), nullable=False))


class NewComment(BaseModel):
    nic: str = Field(min_length=1, max_length=40)
    body: str = Field(min_length=1, max_length=20_000)


@consumer.task(name="ceiling.handle_event")
def handle_event(event: dict[str, Any]) -> None:
    """Receive the event and do nothing: what taking and acknowledging a task costs."""


@comments.post("/articles/{article_id}/comments", status_code=201)
async def post_comment(article_id: int, data: NewComment) -> dict[str, int]:
    def write() -> int:
        with engine.begin() as connection:
            return int(connection.execute(
                insert(posted).values(article_id=article_id, nic=data.nic, body=data.body)
                .returning(posted.c.id)).scalar_one())

    comment_id = await run_in_threadpool(write)  # one trip to a thread, as Burg's route makes
    consumer.send_task("ceiling.handle_event", queue="ceiling",
                       args=[{"comment_id": comment_id, "article_id": article_id}])
    return {"id": comment_id}
