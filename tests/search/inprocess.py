"""The search service in process: `bootstrap()` on a migrated database of its own (SQLite, or
PostgreSQL in that pass) and real Redis, its API built by `create_app`, events delivered
through its inbox as its worker delivers them."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.search.api import create_app
from services.search.bootstrap import Service, bootstrap
from services.search.tasks import handlers
from shared.events import (
    ArticlePublished,
    CommentCreated,
    Envelope,
    Event,
)
from tests.comments.inprocess import InProcess
from tests.databases import database_url, migrated

NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)


@dataclass
class SearchApi:
    service: Service
    client: httpx.Client

    def handle(self, event: Event) -> bool:
        """Deliver `event` through the inbox, as the worker does; False if it was a repeat."""
        return self.service.runtime.inbox.handle(
            Envelope.wrap(event, producer="tests").model_dump(mode="json"))

    def handle_batch(self, events: list[Event]) -> list[bool]:
        """Deliver `events` through the inbox as one batch (one transaction), as the worker
        does with a broker message of several."""
        return self.service.runtime.inbox.handle_batch(
            [Envelope.wrap(event, producer="tests").model_dump(mode="json")
             for event in events])

    def find(self, q: str, **params: Any) -> dict[str, Any]:
        response = self.client.get("/api/search/", params={"q": q} | params)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def ids(self, q: str, **params: Any) -> list[tuple[str, int]]:
        return [(hit["kind"], hit["id"]) for hit in self.find(q, **params)["results"]]


@contextmanager
def search_api(data_dir: Path, redis_url: str, **settings: Any) -> Iterator[SearchApi]:
    service = bootstrap(database_url=migrated("search", database_url(data_dir, "search")),
                        redis_url=redis_url, data_dir=data_dir, **settings)
    service.runtime.inbox.handlers.update(handlers(service.settings))
    try:
        with httpx.Client(transport=InProcess(create_app(service), "127.0.0.1"),
                          base_url="http://search.test") as client:
            yield SearchApi(service, client)
    finally:
        service.runtime.engine.dispose()


def article(article_id: int = 1, *, title: str = "Ferry fares", body: str = "<p>Fares rise.</p>",
            minutes: int = 0, updated: int = 0,
            event: type[ArticlePublished] = ArticlePublished) -> ArticlePublished:
    at = NOON + timedelta(minutes=minutes)
    return event(article_id=article_id, slug=f"a-{article_id}",
                 url=f"https://burg.example/articles/a-{article_id}", title=title,
                 category_slug="sea", category_name="Sea", posted_by="Ed",
                 dateline=date(2026, 5, 4), summary="", body_html=body, published_at=at,
                 updated_at=at + timedelta(minutes=updated), comments_close_at=None)


def comment(comment_id: int, body: str, *, article_id: int = 1, minutes: int = 1,
            nic: str = "Frank", event: type[CommentCreated] = CommentCreated
            ) -> CommentCreated:
    return event(comment_id=comment_id, article_id=article_id, article_title="Ferry fares",
                 article_url=f"https://burg.example/articles/a-{article_id}", parent_id=None,
                 commenter_id=1, nic=nic, body_html=body,
                 created_at=NOON + timedelta(minutes=minutes))
