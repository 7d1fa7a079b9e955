"""The inbox against a real SQLite file: an event delivered twice has its effect once."""

import threading
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text
from sqlalchemy.orm import Session

from shared.db import create_schema, make_engine, make_session_factory
from shared.events import ArticleRetracted, CommenterForgotten, Envelope
from shared.inbox import Inbox, dead_letter_table, inbox_table, outbox_of
from shared.outbox import Outbox, outbox_table
from tests.conftest import wait_for
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
    """The second worker starts on the event while the first is still inside its handler
    (its transaction open): it waits on the first one's inbox row and then skips the event."""
    inbox, sessions = make_inbox(tmp_path)
    first_inside, release = threading.Event(), threading.Event()

    def held_record(session: Session, event: ArticleRetracted) -> None:
        record(session, event)
        first_inside.set()
        release.wait(timeout=30)  # hold the transaction open until the second one waits

    inbox.handlers["article.retracted"] = held_record
    raw = envelope()
    results: dict[str, bool | BaseException] = {}

    def worker() -> None:
        try:
            results[threading.current_thread().name] = inbox.handle(raw)
        except BaseException as exc:
            results[threading.current_thread().name] = exc

    first = threading.Thread(target=worker, name="first")
    second = threading.Thread(target=worker, name="second")
    second_writes = threading.Event()
    engine = inbox.sessions.kw["bind"]

    claim = inbox.claim

    def noting_claim(session: Session, rows: list[dict[str, object]]) -> set[str]:
        if threading.current_thread() is second:  # about to insert its inbox row
            second_writes.set()
        return claim(session, rows)

    inbox.claim = noting_claim  # type: ignore[method-assign]
    try:
        first.start()
        wait_for(first_inside.is_set, what="the first worker inside its handler")
        second.start()
        wait_for(second_writes.is_set, what="the second worker writing")
        if engine.dialect.name == "postgresql":
            wait_for(lambda: second_waits_on_a_lock(sessions),
                     what="the second worker waiting on the first one's inbox row")
        # On SQLite the second one now waits for the write turn the first one holds.
        assert not results, "nobody may finish while the first one holds its transaction"
    finally:
        release.set()
        first.join(timeout=30)
        second.join(timeout=30)
    assert results == {"first": True, "second": False}
    assert count(sessions) == 1


def second_waits_on_a_lock(sessions: object) -> bool:
    """Whether a PostgreSQL session waits on a lock to insert an inbox row."""
    with sessions() as session:  # type: ignore[operator]
        return bool(session.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO inbox%'")).scalar_one())


def test_a_batch_applies_each_new_event_once_in_one_transaction(tmp_path: Path) -> None:
    inbox, sessions = make_inbox(tmp_path)
    inbox.handlers["article.retracted"] = record
    before, fresh = envelope(), envelope()
    assert inbox.handle(before) is True
    other = envelope() | {"type": "article.published"}  # a type with no handler here
    batch = [before, fresh, fresh, other]
    assert inbox.handle_batch(batch) == [False, True, False, False]
    assert inbox.handle_batch(batch) == [False, False, False, False]
    assert count(sessions) == 2


def test_a_failed_batch_leaves_no_trace(tmp_path: Path) -> None:
    inbox, sessions = make_inbox(tmp_path)
    calls = []

    def second_fails(session: Session, event: ArticleRetracted) -> None:
        calls.append(event)
        record(session, event)
        if len(calls) == 2:
            raise ValueError("the second one is bad")

    inbox.handlers["article.retracted"] = second_fails
    batch = [envelope(), envelope(), envelope()]
    with pytest.raises(ValueError):
        inbox.handle_batch(batch)
    assert count(sessions) == 0
    inbox.handlers["article.retracted"] = record
    assert inbox.handle_batch(batch) == [True, True, True]  # none was marked handled
    assert count(sessions) == 3


def test_a_handler_answers_with_an_event_in_the_transaction_of_its_effects(
        tmp_path: Path) -> None:
    """`outbox_of`: the answer is stored with the effects, or not at all; an inbox without
    an outbox says so rather than drop the answer."""
    engine = make_engine(database_url(tmp_path, "answers"))
    md = MetaData()
    effects.to_metadata(md)
    inbox_tbl, dead, box = inbox_table(md), dead_letter_table(md), outbox_table(md)
    create_schema(engine, md)
    sessions = make_session_factory(engine)
    outbox = Outbox(table=box, engine=engine, celery=Celery("answers"), producer="answers")
    inbox = Inbox(table=inbox_tbl, dead_letters=dead, sessions=sessions, outbox=outbox)
    fail = [False]

    def answer(session: Session, event: ArticleRetracted) -> None:
        record(session, event)
        outbox_of(session).add(session, CommenterForgotten(commenter_id=event.article_id))
        if fail[0]:
            raise ConnectionError("away")

    def answers() -> int:
        with sessions() as session:
            return int(session.execute(select(func.count()).select_from(box)).scalar_one())

    inbox.handlers["article.retracted"] = answer
    fail[0] = True
    with pytest.raises(ConnectionError):
        inbox.handle(envelope())
    assert (count(sessions), answers()) == (0, 0)
    fail[0] = False
    assert inbox.handle_batch([envelope(), envelope()]) == [True, True]
    assert inbox.handle(envelope()) is True
    assert (count(sessions), answers()) == (3, 3)
    bare, _ = make_inbox(tmp_path / "bare")
    bare.handlers["article.retracted"] = answer
    with pytest.raises(RuntimeError, match="no outbox"):
        bare.handle(envelope())
