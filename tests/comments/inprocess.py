"""The comments service's use cases in process: a migrated database of their own, no broker
(the outbox only stores what they emit)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from celery import Celery
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from services.comments import replica
from services.comments.models import CommentsTable
from services.comments.settings import CommentsSettings
from shared.db import make_engine, make_session_factory
from shared.events import ArticlePublished, EditorAuthorized
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
