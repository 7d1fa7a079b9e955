"""The comments service in process: its use cases over a migrated database of their own, no
broker (the outbox only stores what they emit); or its whole API as `bootstrap()` and
`create_app()` build it, on settings of a test's choosing, called without a server."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from celery import Celery
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from services.comments import replica
from services.comments.api import create_app
from services.comments.bootstrap import Service, bootstrap
from services.comments.models import ArticleReplica, CommentsTable
from services.comments.settings import CommentsSettings
from shared.db import make_engine, make_session_factory
from shared.events import ArticlePublished, EditorAuthorized, editor_token_hash
from shared.outbox import Outbox
from shared.runtime import with_event_tables
from tests.databases import database_url, migrated


@dataclass
class Comments:
    sessions: sessionmaker[Any]
    outbox: Outbox
    settings: CommentsSettings

    def session(self) -> Session:
        session: Session = self.sessions()
        return session


@contextmanager
def comments_service(tmp_path: Path) -> Iterator[Comments]:
    """The comments use cases over a database of their own, with article 1 open and an
    editor "Steve White"."""
    engine = make_engine(migrated("comments", database_url(tmp_path, "comments")))
    outbox = Outbox(table=with_event_tables(CommentsTable.metadata).tables["outbox"],
                    engine=engine, celery=Celery(), producer="comments")
    service = Comments(make_session_factory(engine), outbox, CommentsSettings())
    now = datetime.now(UTC)
    with service.session() as session:
        replica.on_article_published(session, ArticlePublished(
            article_id=1, slug="ferry", url="https://burg.example/articles/ferry", title="Ferry",
            category_slug="sea", category_name="Sea", posted_by="Steve White",
            dateline=date(2026, 5, 4), summary="", body_html="<p>x</p>", published_at=now,
            updated_at=now, comments_close_at=now + timedelta(days=7)))
        replica.on_editor_authorized(session, EditorAuthorized(
            nic="Steve White", token_hash="e" * 64, version=1))
        session.commit()
    try:
        yield service
    finally:
        engine.dispose()


class InProcess(httpx.BaseTransport):
    """A client's requests to an ASGI app in this process, from `address` (the peer the app
    sees), each run to its end on an event loop of its own."""

    def __init__(self, app: Any, address: str) -> None:
        self.asgi = httpx.ASGITransport(app=app, client=(address, 50000))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def answer() -> httpx.Response:
            response = await self.asgi.handle_async_request(request)
            return httpx.Response(response.status_code, headers=response.headers,
                                  content=await response.aread())
        return asyncio.run(answer())


EDITOR_TOKEN = "in-process-editor-token"


@dataclass
class CommentsApi:
    """The comments API of `bootstrap(**settings)`, in this process: a client per address."""

    service: Service
    app: Any

    def client(self, address: str = "127.0.0.1", **kwargs: Any) -> httpx.Client:
        return httpx.Client(transport=InProcess(self.app, address),
                            base_url="http://comments.test/api/comments", **kwargs)

    def moderator(self) -> httpx.Client:
        return self.client(headers={"Authorization": f"Bearer {EDITOR_TOKEN}"})

    def open_article(self) -> int:
        """A new open article the service knows (as if the posts service had said so)."""
        now = datetime.now(UTC)
        with self.service.runtime.sessions() as session:
            article_id = 1 + len(session.exec(select(ArticleReplica.article_id)).all())
            replica.on_article_published(session, ArticlePublished(
                article_id=article_id, slug=f"a-{article_id}", title="Open", posted_by="Ed",
                url=f"https://burg.example/articles/a-{article_id}", category_slug="sea",
                category_name="Sea", dateline=date(2026, 5, 4), summary="", body_html="<p>x</p>",
                published_at=now, updated_at=now, comments_close_at=now + timedelta(days=7)))
            session.commit()
        return article_id


@contextmanager
def comments_api(data_dir: Path, redis_url: str, **settings: Any) -> Iterator[CommentsApi]:
    """The comments service's `bootstrap()` with `settings`, on the database in `data_dir`
    (migrated on first use), its API built by `create_app`, and an editor who moderates."""
    service = bootstrap(database_url=migrated("comments", database_url(data_dir, "comments")),
                        redis_url=redis_url, data_dir=data_dir, **settings)
    with service.runtime.sessions() as session:
        replica.on_editor_authorized(session, EditorAuthorized(
            nic="Ed", token_hash=editor_token_hash(EDITOR_TOKEN), version=1))
        session.commit()
    try:
        yield CommentsApi(service, create_app(service))
    finally:
        service.runtime.engine.dispose()
