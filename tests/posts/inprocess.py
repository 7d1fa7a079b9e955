"""The posts API in process: `bootstrap()` and `create_app()` on a migrated database of its
own, called without a server, with an editor; and a way to set when an article was
published (the archive's tests need articles of chosen days)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, create_engine, update
from sqlmodel import col

from services.posts.api import create_app
from services.posts.bootstrap import Service, bootstrap
from services.posts.editors import create_editor
from services.posts.models import Article
from tests.comments.inprocess import InProcess
from tests.databases import database_url, migrated


@dataclass
class PostsApi:
    service: Service
    app: Any
    token: str

    def client(self) -> httpx.Client:
        return httpx.Client(transport=InProcess(self.app, "127.0.0.1"),
                            base_url="http://posts.test/api/posts")

    def editor(self) -> httpx.Client:
        client = self.client()
        client.headers["Authorization"] = f"Bearer {self.token}"
        return client

    def category(self, name: str) -> str:
        made = self.editor().post("/categories", json={"name": name})
        assert made.status_code == 201, made.text
        return str(made.json()["slug"])

    def article(self, category: str, title: str, at: datetime | None = None,
                publish: bool = True, **fields: Any) -> dict[str, Any]:
        """A published article (published `at` that moment, if given), or a draft."""
        editor = self.editor()
        draft = editor.post("/articles", json={"title": title, "category": category,
                                               "body": "[quote]Words.[/quote]"} | fields)
        assert draft.status_code == 201, draft.text
        if not publish:
            return dict(draft.json())
        article = dict(editor.post(f"/articles/{draft.json()['id']}/publish").json())
        if at is not None:
            with self.service.runtime.engine.begin() as connection:
                set_published_at(connection, article["id"], at)
            article["published_at"] = at
        return article


def set_published_at(connection: Connection, article_id: int, moment: datetime) -> None:
    """Say the article was published at `moment`, stored as the column's type stores it (on
    SQLite a string that compares in order; on PostgreSQL a timestamptz)."""
    connection.execute(update(Article).where(col(Article.id) == article_id)
                       .values(published_at=moment))


def published_at(database_url: str, article_id: int, moment: datetime) -> None:
    """`set_published_at` on the posts database at `database_url` (a running stack's)."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            set_published_at(connection, article_id, moment)
    finally:
        engine.dispose()


@contextmanager
def posts_api(data_dir: Path, redis_url: str) -> Iterator[PostsApi]:
    """The posts service on a database of its own in `data_dir`, with the editor "Ed"."""
    service = bootstrap(database_url=migrated("posts", database_url(data_dir, "posts")),
                        redis_url=redis_url, data_dir=data_dir)
    with service.runtime.sessions() as session:
        token = create_editor(session=session, outbox=service.runtime.outbox, nic="Ed")
    try:
        yield PostsApi(service, create_app(service), token)
    finally:
        service.runtime.engine.dispose()
