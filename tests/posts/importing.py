"""What the posts service's import tests share: its command line, and what an import left in
its tables and outbox (the service itself is the fixture `posts`, tests/posts/conftest.py)."""

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from services.posts.bootstrap import Service
from services.posts.cli import commands
from services.posts.models import Article, Category
from shared.cli import run_cli
from tests.databases import as_json


def cli(service: Service, *argv: str) -> int:
    return run_cli(service.runtime, list(argv),
                   extra=lambda parsers: commands(service, parsers))


def articles(service: Service) -> dict[str, Article]:
    """The articles by slug."""
    with Session(service.runtime.engine) as session:
        return {a.slug: a for a in session.exec(select(Article)).all()}


def categories(service: Service) -> dict[str, Category]:
    with Session(service.runtime.engine) as session:
        return {c.slug: c for c in session.exec(select(Category)).all()}


def events(service: Service, kind: str) -> list[dict[str, Any]]:
    """The data of the posts service's outbox events of this type, in order."""
    with Session(service.runtime.engine) as session:
        table = service.runtime.outbox.table
        rows = session.execute(select(table.c.envelope).where(table.c.type == kind)
                               .order_by(table.c.seq)).all()
    return [as_json(envelope)["data"] for (envelope,) in rows]


def utc(moment: datetime | None) -> datetime:
    """A stored moment, aware (SQLite gives it back without its zone)."""
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
