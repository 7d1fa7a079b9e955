"""The inbox against a real SQLite file: an event delivered twice has its effect once."""

import threading
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from shared.db import create_schema, make_engine, make_session_factory
from shared.events import ArticleRetracted, Envelope
from shared.inbox import Inbox, dead_letter_table, inbox_table
from tests.databases import database_url

metadata = MetaData()
effects = Table("effects", metadata, Column("id", Integer, primary_key=True),
                Column("article_id", Integer), Column("note", String))


def make_inbox(tmp_path: Path) -> tuple[Inbox, object]:
    engine = make_engine(database_url(tmp_path, "consumer"))
    md = MetaData()
    for table in (effects,):
        table.to_metadata(md)
    inbox_tbl, dead = inbox_table(md), dead_letter_table(md)
    create_schema(engine, md)
    sessions = make_session_factory(engine)
    return Inbox(table=inbox_tbl, dead_letters=dead, sessions=sessions), sessions


def record(session: Session, event: ArticleRetracted) -> None:
    session.execute(insert(effects).values(article_id=event.article_id, note="retracted"))


def count(sessions: object) -> int:
    with sessions() as session:  # type: ignore[operator]
        return int(session.execute(select(func.count()).select_from(effects)).scalar_one())


def envelope() -> dict[str, object]:
    event = ArticleRetracted(article_id=7, category_slug="c")
    return Envelope.wrap(event, producer="posts").model_dump(mode="json")


def test_same_event_delivered_twice_has_its_effect_once(tmp_path: Path) -> None:
    inbox, sessions = make_inbox(tmp_path)
    inbox.handlers["article.retracted"] = record
    raw = envelope()
    assert inbox.handle(raw) is True
    assert inbox.handle(raw) is False
    assert count(sessions) == 1


def test_a_new_event_of_the_same_type_is_applied(tmp_path: Path) -> None:
    inbox, sessions = make_inbox(tmp_path)
    inbox.handlers["article.retracted"] = record
    inbox.handle(envelope())
    inbox.handle(envelope())
    assert count(sessions) == 2


def test_failed_handler_leaves_no_trace_so_a_redelivery_applies_it(tmp_path: Path) -> None:
    inbox, sessions = make_inbox(tmp_path)
    raw = envelope()

    def failing(session: Session, event: ArticleRetracted) -> None:
        record(session, event)
        raise ConnectionError("SMTP away")

    inbox.handlers["article.retracted"] = failing
    with pytest.raises(ConnectionError):
        inbox.handle(raw)
    assert count(sessions) == 0
    inbox.handlers["article.retracted"] = record
    assert inbox.handle(raw) is True
    assert count(sessions) == 1


def test_event_type_without_handler_is_ignored(tmp_path: Path) -> None:
    inbox, sessions = make_inbox(tmp_path)
    assert inbox.handle(envelope()) is False
    assert count(sessions) == 0


def test_two_workers_handling_the_same_event_at_once_apply_it_once(tmp_path: Path) -> None:
    """Both pass the "seen?" check before either commits; the id's key decides."""
    inbox, sessions = make_inbox(tmp_path)
    both_checked = threading.Barrier(2)

    def slow_record(session: Session, event: ArticleRetracted) -> None:
        record(session, event)

    inbox.handlers["article.retracted"] = slow_record
    original_execute = Session.execute
    results: list[bool] = []
    raw = envelope()

    def racing_execute(self: Session, statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = original_execute(self, statement, *args, **kwargs)
        if str(statement).startswith("SELECT inbox.event_id"):
            both_checked.wait(timeout=5)  # hold each worker right after its check
        return result

    def worker() -> None:
        results.append(inbox.handle(raw))

    Session.execute = racing_execute  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        Session.execute = original_execute  # type: ignore[method-assign]
    assert sorted(results) == [False, True]
    assert count(sessions) == 1
