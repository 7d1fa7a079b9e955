"""Helpers of the import tests: the comments service on a migrated database (SQLite, or
PostgreSQL in the PostgreSQL pass: the import's bulk statements run on both), articles as the
posts import publishes them (with their old address), an import run, and what it left."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from celery import Celery
from sqlalchemy import func
from sqlmodel import col, select

from services.comments.importing import import_threads
from services.comments.models import (
    ArticleReplica,
    Comment,
    Commenter,
    CommentsTable,
    ImportedRecord,
    Nic,
)
from services.comments.sources import SourceThread, wordpress
from shared.db import make_engine, make_session_factory
from shared.events import (
    ArticlePublished,
    ArticleRetracted,
    EditorAuthorized,
    editor_token_hash,
    utcnow,
)
from shared.importing import Summary
from shared.inbox import Inbox
from shared.outbox import Outbox
from shared.runtime import with_event_tables
from tests.databases import database_url, migrated
from tests.usecases.comments import EDITOR_TOKEN, HANDLERS, article
from tests.usecases.conftest import Wired

SAMPLES = Path(__file__).parent / "samples"


@contextmanager
def comments_service(tmp_path: Path) -> Iterator[Wired]:
    """The comments use cases as `tests.usecases` wires them (an outbox that sends nothing,
    the inbox with the service's handlers), told of article 1 ("ferry", open) and of the
    editor "Steve White"; but on the service's migrated database."""
    metadata = with_event_tables(CommentsTable.metadata)
    engine = make_engine(migrated("comments", database_url(tmp_path, "comments")))
    sessions = make_session_factory(engine)
    wired = Wired(
        name="comments", engine=engine, sessions=sessions,
        outbox=Outbox(table=metadata.tables["outbox"], engine=engine, celery=Celery("comments"),
                      producer="comments"),
        inbox=Inbox(table=metadata.tables["inbox"], dead_letters=metadata.tables["dead_letter"],
                    sessions=sessions, handlers=HANDLERS))
    try:
        wired.handle(article())
        wired.handle(EditorAuthorized(nic="Steve White", token_hash=editor_token_hash(
            EDITOR_TOKEN), version=1))
        yield wired
    finally:
        engine.dispose()


def publish(comments: Wired, article_id: int, slug: str, *, imported_from: str | None = None,
            url: str | None = None) -> None:
    """Article `article_id` published here (at /articles/<slug>), told through the inbox as
    the posts service tells it; `imported_from`: its address on the old site."""
    now = utcnow()
    assert comments.handle(ArticlePublished(
        article_id=article_id, slug=slug, title=slug.replace("-", " ").title(),
        url=url or f"https://burg.example/articles/{slug}", category_slug="sea",
        category_name="Sea", posted_by="Ed", dateline=date(2021, 1, 1), summary="",
        body_html="<p>x</p>", published_at=now, updated_at=now,
        comments_close_at=now + timedelta(days=7), imported_from=imported_from))


def retract(comments: Wired, article_id: int) -> None:
    assert comments.handle(ArticleRetracted(article_id=article_id, category_slug="sea",
                                                   retracted_at=utcnow()))


def harbour_notes(comments: Wired) -> None:
    """The articles the posts import made of wordpress.xml's posts 11 and 14 (the draft, 13,
    was not imported)."""
    publish(comments, 11, "spring-tides",
            imported_from="http://harbour-notes.example/2021/03/spring-tides/")
    publish(comments, 14, "mending-nets",
            imported_from="https://harbour-notes.example/2021/06/mending-nets/")


def import_file(comments: Wired, path: Path, **options: Any) -> Summary:
    summary = Summary()
    return import_threads(comments.sessions, comments.outbox, source="wordpress",
                          threads=wordpress.read(path, summary), summary=summary, **options)


def import_threads_of(comments: Wired, threads: Iterable[SourceThread],
                      source: str = "wordpress", **options: Any) -> Summary:
    return import_threads(comments.sessions, comments.outbox, source=source,
                          threads=threads, summary=Summary(), **options)


@dataclass
class Row:
    id: int
    source_id: str
    parent: str | None  # the parent's source id
    path: str
    depth: int
    number: int
    nic: str
    commenter_id: int
    status: str
    website: str | None
    body: str
    body_html: str


def imported(comments: Wired, article_id: int | None = None) -> dict[str, Row]:
    """The imported comments (of `article_id`), by their source id."""
    with comments.session() as session:
        records = dict(session.exec(select(ImportedRecord.local_id, ImportedRecord.source_id)
                                    .where(ImportedRecord.kind == "comment")).all())
        query = select(Comment).order_by(col(Comment.path))
        if article_id is not None:
            query = query.where(Comment.article_id == article_id)
        rows = session.exec(query).all()
    return {records[c.id]: Row(c.id, records[c.id], records.get(c.parent_id), c.path, c.depth,
                               c.number, c.nic, c.commenter_id, c.status, c.website, c.body,
                               c.body_html) for c in rows if c.id in records}


def table_counts(comments: Wired) -> dict[str, int]:
    """Rows in each table an import writes to."""
    with comments.session() as session:
        counts = {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                  for model in (Comment, Commenter, Nic, ImportedRecord)}
    counts["outbox"] = len(comments.events())
    return counts


def replica(comments: Wired, article_id: int) -> ArticleReplica:
    with comments.session() as session:
        return session.get_one(ArticleReplica, article_id)


def commenter(comments: Wired, commenter_id: int) -> Commenter:
    with comments.session() as session:
        return session.get_one(Commenter, commenter_id)
