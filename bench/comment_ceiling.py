"""The ceiling a comment POST is measured against: the least it can do on Burg's stack and
still follow Burg's event design (docs/architecture.md). A FastAPI route validates the body,
writes one row in one transaction and sends one Celery task, from the route's worker thread; a
prefork worker takes the task, does nothing with it, and acknowledges it. Burg's own engine
(`make_engine`: SQLite in WAL, the writers' turn) and Celery settings (`make_celery`). No rate
limit, markup, identity, outbox or feeds. Run by bench.comments_throughput, as the comments
service runs:

    BENCH_DATABASE_URL=sqlite:///<file> BENCH_REDIS_URL=<url> uvicorn bench.comment_ceiling:api
    BENCH_REDIS_URL=<url> celery -A bench.comment_ceiling:consumer worker -Q ceiling
"""

import os
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from starlette.concurrency import run_in_threadpool

from shared.celery_app import make_celery
from shared.db import make_engine
from shared.settings import Settings

QUEUE = "ceiling"

api = FastAPI()
engine = make_engine(os.environ.get("BENCH_DATABASE_URL", "sqlite:///ceiling.db"))  # opened on use
consumer = make_celery(QUEUE, Settings(), os.environ.get("BENCH_REDIS_URL", "redis://"))
posted = Table("comment", MetaData(), Column("id", Integer, primary_key=True),
               Column("article_id", Integer, nullable=False),
               Column("nic", String(40), nullable=False),
               Column("body", String(20_000), nullable=False))


class NewComment(BaseModel):
    nic: str = Field(min_length=1, max_length=40)
    body: str = Field(min_length=1, max_length=20_000)


@consumer.task(name=f"{QUEUE}.handle_event")
def handle_event(event: dict[str, Any]) -> None:
    """Receive the event and do nothing: what taking and acknowledging a task costs."""


@api.post("/articles/{article_id}/comments", status_code=201)
async def post_comment(article_id: int, data: NewComment) -> dict[str, int]:
    def write_and_send() -> int:
        with engine.begin() as connection:
            comment_id = int(connection.execute(
                insert(posted).values(article_id=article_id, nic=data.nic, body=data.body)
                .returning(posted.c.id)).scalar_one())
        consumer.send_task(f"{QUEUE}.handle_event", queue=QUEUE,
                           args=[{"comment_id": comment_id, "article_id": article_id}])
        return comment_id

    # One trip to a worker thread, as Burg's route makes; the event loop never waits on I/O.
    return {"id": await run_in_threadpool(write_and_send)}
