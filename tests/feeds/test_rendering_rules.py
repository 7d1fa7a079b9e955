"""In-process (the feeds database and a Redis for the render lock; no worker, no broker
traffic): comment entries name their article's current title, whatever order the events
came in; a document that fails to render is retried, set aside after the set number of
failures with the event that caused it, and stops nothing else."""

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from services.feeds import comment_feeds, failures, feeding, stale
from services.feeds.models import FeedDocument, FeedRenderFailure, FeedStale
from services.feeds.rounds import StaleRenders
from services.feeds.settings import FeedsSettings
from shared.celery_app import make_celery
from shared.db import make_engine, make_session_factory
from shared.events import ArticlePublished, ArticleUpdated, CommentCreated
from shared.inbox import HANDLING
from shared.settings import Settings
from tests.databases import database_url, migrated

NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)
SETTINGS = FeedsSettings(site_url="https://burg.example", feeds_url="https://burg.example")


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return make_session_factory(make_engine(migrated("feeds", database_url(tmp_path, "feeds"))))


def apply(sessions: sessionmaker[Session], handler: Callable[..., None], event: Any,
          event_id: str = "") -> None:
    with sessions() as session:
        session.info[HANDLING] = (event_id or str(uuid.uuid4()), event.type)
        handler(session, event)
        session.commit()


def article(title: str, at: datetime, event: type[ArticlePublished] = ArticlePublished
            ) -> ArticlePublished:
    return event(article_id=1, slug="ferry", url="https://burg.example/articles/ferry",
                 title=title, category_slug="sea", category_name="Sea", posted_by="Ed",
                 dateline=date(2026, 5, 4), summary="", body_html="<p>x</p>",
                 published_at=NOON, updated_at=at, comments_close_at=None)


def comment(comment_id: int, title: str) -> CommentCreated:
    return CommentCreated(comment_id=comment_id, article_id=1, article_title=title,
                          article_url="https://burg.example/articles/ferry", parent_id=None,
                          commenter_id=1, nic="Reader", body_html="<p>Hm.</p>",
                          created_at=NOON + timedelta(minutes=comment_id))


def titles(sessions: sessionmaker[Session], path: str) -> list[str]:
    with sessions() as session:
        document = session.get(FeedDocument, path)
        assert document is not None
        return [item["title"] for item in json.loads(document.body)["items"]]


def render_stale(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        keys = list(session.exec(select(FeedStale.key)).all())
        for key in keys:
            kind, _, name = key.partition(":")
            if kind == "article":
                comment_feeds.render_article(session=session, settings=SETTINGS,
                                             article_id=int(name))
            elif kind == "comments":
                comment_feeds.render_latest(session=session, settings=SETTINGS)
        session.commit()


def test_comment_entries_show_the_articles_title_now(sessions: sessionmaker[Session]) -> None:
    apply(sessions, feeding.on_article_published, article("Ferry", NOON))
    apply(sessions, comment_feeds.on_comment_public, comment(1, "Ferry"))
    apply(sessions, feeding.on_article_published,
          article("Ferry sinks", NOON + timedelta(hours=1), ArticleUpdated))
    # The comments service had not heard of the edit yet when this one came.
    apply(sessions, comment_feeds.on_comment_public, comment(2, "Ferry"))
    with sessions() as session:
        assert {row.key for row in session.exec(select(FeedStale))} >= {"comments", "article:1"}
    render_stale(sessions)
    for path in ("comments.json", "articles/1/comments.json"):
        assert titles(sessions, path) == ["Reader on \u201cFerry sinks\u201d"] * 2


def renders_for(sessions: sessionmaker[Session], redis_url: str,
                attempts: int) -> StaleRenders:
    return StaleRenders(celery=make_celery("feeds", Settings(), redis_url), sessions=sessions,
                        redis_url=redis_url, flag=f"test:render:{uuid.uuid4().hex}",
                        attempts=attempts)


def test_a_failing_document_is_retried_then_set_aside_and_stops_nothing(
        sessions: sessionmaker[Session], redis_url: str) -> None:
    renders = renders_for(sessions, redis_url, attempts=3)
    with sessions() as session:
        session.info[HANDLING] = ("event-1", "comment.created")
        stale.mark(session, "article:1", "site", "comments")
        session.commit()
    rendered: list[str] = []

    def render(session: Session, key: str) -> None:
        if key == "article:1":
            raise ValueError("All strings must be XML compatible")
        rendered.append(key)

    def due_now() -> None:  # skip the wait between tries
        with sessions() as session:
            session.execute(update(FeedStale).values(retry_at=None))
            session.commit()

    assert renders.render_all(render) == 2
    assert sorted(rendered) == ["comments", "site"]
    with sessions() as session:
        row = session.get(FeedStale, "article:1")
        assert row is not None and row.attempts == 1 and row.event_id == "event-1"
        assert row.retry_at is not None and row.retry_at > datetime.now(UTC)
    assert renders.render_all(render) == 0  # not before its wait is over
    for _ in range(2):
        due_now()
        renders.render_all(render)
    with sessions() as session:
        assert session.get(FeedStale, "article:1") is None  # no longer tried every round
        [failure] = failures.set_aside(session=session)
        assert (failure.key, failure.attempts, failure.event_type, failure.event_id) == (
            "article:1", 3, "comment.created", "event-1")
        assert failure.error == "ValueError: All strings must be XML compatible"

        assert stale.put_back(session=session, keys=["article:1"]) == ["article:1"]
        session.commit()
    with sessions() as session:
        row = session.get(FeedStale, "article:1")
        assert row is not None and row.attempts == 0 and row.event_type == "retry-render"
        assert failures.set_aside(session=session) == []

    assert renders.render_all(lambda session, key: rendered.append(key)) == 1
    with sessions() as session:
        assert session.exec(select(FeedStale)).all() == []
        assert session.exec(select(FeedRenderFailure)).all() == []


def test_a_new_change_to_a_failing_document_is_tried_at_once(
        sessions: sessionmaker[Session], redis_url: str) -> None:
    renders = renders_for(sessions, redis_url, attempts=5)
    with sessions() as session:
        stale.mark(session, "article:1", cause=("event-1", "comment.created"))
        session.commit()

    def broken(session: Session, key: str) -> None:
        raise RuntimeError("broken")

    renders.render_all(broken)
    with sessions() as session:  # the editor hides the comment that broke it
        stale.mark(session, "article:1", cause=("event-2", "comment.removed"))
        session.commit()
    done: list[str] = []
    assert renders.render_all(lambda session, key: done.append(key)) == 1
    assert done == ["article:1"]


def test_a_document_set_aside_that_renders_after_a_new_change_is_no_longer_set_aside(
        sessions: sessionmaker[Session], redis_url: str) -> None:
    renders = renders_for(sessions, redis_url, attempts=1)
    with sessions() as session:
        stale.mark(session, "article:1", "site", cause=("event-1", "comment.created"))
        session.commit()

    def broken(session: Session, key: str) -> None:
        if key == "article:1":
            raise RuntimeError("broken")

    assert renders.render_all(broken) == 1  # the site's renders; the article's is set aside
    with sessions() as session:
        assert [f.key for f in failures.set_aside(session=session)] == ["article:1"]
        stale.mark(session, "article:1", "site", cause=("event-2", "comment.removed"))
        session.commit()
    assert renders.render_all(lambda session, key: None) == 2
    with sessions() as session:
        assert failures.set_aside(session=session) == []


def test_a_round_that_runs_out_of_time_leaves_the_rest_to_the_next_one(
        sessions: sessionmaker[Session], redis_url: str) -> None:
    """A round stops well inside the render task's soft time limit, so a long backlog never
    meets the limit, and the task queued after it renders the rest."""
    renders = renders_for(sessions, redis_url, attempts=5)
    assert 0 < renders.round_seconds <= renders.celery.conf.task_soft_time_limit / 2
    with sessions() as session:
        stale.mark(session, "site", "comments", "article:1", cause=("event-1", "x"))
        session.commit()
    rendered: list[str] = []

    def slow(session: Session, key: str) -> None:
        rendered.append(key)
        renders.round_seconds = -1.0  # this render used up the round's time

    assert renders.render_all(slow) == 1
    assert renders.redis.exists(renders.flag), "no render task queued for the rest"
    with sessions() as session:
        assert len(session.exec(select(FeedStale)).all()) == 2  # left stale, not failed
        assert failures.set_aside(session=session) == []
    renders.round_seconds = 25.0
    assert renders.render_all(lambda session, key: rendered.append(key)) == 2
    assert len(set(rendered)) == 3


def test_a_transactions_marks_are_written_once_as_it_commits(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        stale.mark(session, "article:1", cause=("event-0", "comment.created"))
        session.rollback()  # forgotten with the transaction
        session.commit()
        assert session.exec(select(FeedStale)).all() == []
        for n in range(1, 4):
            stale.mark(session, "article:1", "comments", cause=(f"event-{n}", "comment.created"))
        session.commit()
    with sessions() as session:
        rows = {row.key: row for row in session.exec(select(FeedStale))}
    assert set(rows) == {"article:1", "comments"}
    assert (rows["article:1"].version, rows["article:1"].event_id) == (1, "event-3")
