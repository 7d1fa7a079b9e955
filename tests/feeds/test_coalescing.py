"""In-process, on a Redis of its own (the render task it queues goes nowhere else): when the
feeds worker renders after an event, and that coalesced rounds never leave out an article
that belongs among the newest. The time of the last round is set in Redis as each case
needs, never waited for."""

import json
import random
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from services.feeds import comment_feeds, feeding, stale
from services.feeds.models import FeedDocument, FeedStale
from services.feeds.rounds import (
    BACKLOG,
    COMMENT_PACE,
    MAX_DEFER,
    MIN_GAP,
    REST,
    SUSTAINED_DEFER,
    TASK,
    StaleRenders,
)
from services.feeds.settings import FeedsSettings
from services.feeds.tasks import render
from shared.celery_app import make_celery
from shared.db import make_engine, make_session_factory
from shared.embedded_redis import EmbeddedRedis
from shared.events import ArticlePublished, CommentCreated
from shared.inbox import HANDLING
from shared.settings import Settings
from tests.databases import database_url, migrated

SETTINGS = FeedsSettings(site_url="https://burg.example", feeds_url="https://burg.example")
NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)
FEED = "categories/sea.rss"
COMMENTS = "articles/1/comments.rss"
GUID = re.compile(rb"article-(\d+)</guid>")


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return make_session_factory(make_engine(migrated("feeds", database_url(tmp_path, "feeds"))))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis").start()
    yield server
    server.stop()


class Worker:
    """A feeds worker's renders, watching the sessions' commits as the worker does; `rounds`
    holds the articles each render of the category feed showed, `rendered` every key."""

    def __init__(self, sessions: sessionmaker[Session], url: str) -> None:
        self.sessions, self.flag = sessions, f"test:render:{uuid.uuid4().hex}"
        # The time the renders read stands still: `last_round` alone moves it, so a slow
        # machine never turns "0.05 s too early" into "due".
        self.now = time.time()
        self.renders = StaleRenders(celery=make_celery("feeds", Settings(), url),
                                    sessions=sessions, redis_url=url, flag=self.flag,
                                    clock=lambda: self.now)
        self.redis = redis.Redis.from_url(url)
        self.rounds: list[list[int]] = []
        self.rendered: list[str] = []
        self.slow = 0.0  # seconds each render takes on top of its work
        self.renders.watch(self.render)

    def render(self, session: Session, key: str) -> None:
        time.sleep(self.slow)  # the work of a longer render
        render(session, key, SETTINGS)
        self.rendered.append(key)
        document = session.get(FeedDocument, FEED)
        if key.startswith("category:") and document is not None:
            self.rounds.append([int(i) for i in GUID.findall(document.body)])

    def last_round(self, seconds_ago: float, gap: float | None = None) -> None:
        """As if the last round ended `seconds_ago`, asking for `gap` (else MIN_GAP)."""
        self.redis.set(f"{self.flag}:last-round", self.now - seconds_ago)
        self.redis.set(f"{self.flag}:gap", MIN_GAP if gap is None else gap)

    def queued(self) -> int:
        return int(self.redis.llen("feeds"))

    def publish(self, number: int) -> None:
        event = ArticlePublished(
            article_id=number, slug=f"a{number}", url=f"https://burg.example/a/{number}",
            title=f"Article {number}", category_slug="sea", category_name="Sea",
            posted_by="Ed", dateline=date(2026, 5, 4), summary="", body_html="<p>x</p>",
            published_at=NOON + timedelta(minutes=number),
            updated_at=NOON + timedelta(minutes=number), comments_close_at=None)
        with self.sessions() as session:
            feeding.on_article_published(session, event)
            session.commit()  # and the worker's after-commit look at the queue

    def comment(self) -> None:
        """What a comment marks stale: its article's comment feed and the latest comments."""
        with self.sessions() as session:
            stale.mark(session, "article:1", "comments")
            session.commit()

    def comment_rounds(self) -> int:
        return self.rendered.count("comments")

    def post_comment(self, number: int, article_id: int = 1) -> None:
        event = CommentCreated(
            comment_id=number, article_id=article_id, article_title="Article",
            article_url=f"https://burg.example/a/{article_id}", parent_id=None,
            commenter_id=1, nic="Reader", body_html=f"<p>Comment {number}</p>",
            created_at=NOON + timedelta(hours=1, seconds=number))
        with self.sessions() as session:
            session.info[HANDLING] = ("id", event.type)  # as the inbox applies it
            comment_feeds.on_comment_public(session, event)
            session.commit()

    def shows(self, path: str) -> list[int]:
        """The comments (or articles) the stored document `path` shows."""
        with self.sessions() as session:
            document = session.get(FeedDocument, path)
            return [int(i) for i in re.findall(rb"(?:comment|article)-(\d+)</guid>",
                                                document.body)] if document else []



IDLE, JUST_NOW, OVERDUE = 60.0, -60.0, MAX_DEFER.total_seconds() + 1


def test_an_idle_worker_renders_right_after_the_change(sessions: sessionmaker[Session],
                                                       server: EmbeddedRedis) -> None:
    worker = Worker(sessions, server.url)
    worker.last_round(IDLE)
    worker.publish(1)
    assert worker.rounds == [[1]] and worker.queued() == 0


def test_behind_queued_events_a_change_waits_for_one_render_task(
        sessions: sessionmaker[Session], server: EmbeddedRedis) -> None:
    worker = Worker(sessions, server.url)
    worker.redis.rpush("feeds", b"an event", b"another")
    worker.last_round(JUST_NOW)
    for number in (1, 2, 3):
        worker.publish(number)
    assert worker.rounds == [] and worker.queued() == 3  # one render task for all three
    assert worker.renders.render_all(worker.render) > 0  # as that task does
    assert worker.rounds == [[3, 2, 1]]


def test_a_round_overdue_renders_even_behind_queued_events(sessions: sessionmaker[Session],
                                                           server: EmbeddedRedis) -> None:
    worker = Worker(sessions, server.url)
    worker.redis.rpush("feeds", b"an event")
    worker.last_round(OVERDUE)
    worker.publish(1)
    assert worker.rounds == [[1]]


def test_after_a_slow_round_the_worker_rests_before_rendering_again(
        sessions: sessionmaker[Session], server: EmbeddedRedis) -> None:
    worker = Worker(sessions, server.url)
    worker.last_round(IDLE)
    worker.slow = 0.3
    worker.publish(1)
    gap = float(worker.redis.get(f"{worker.flag}:gap") or 0)
    # Two documents: the category's and the site's (a new article's comment feed waits for
    # its first comment: empty_feeds.py).
    assert gap >= REST * 0.3 * 2
    worker.redis.rpush("feeds", b"an event")
    worker.last_round(gap / 2, gap)  # past MAX_DEFER, not past the rest
    worker.publish(2)
    assert worker.rounds == [[1]]
    worker.last_round(gap + 1, gap)
    worker.publish(3)
    assert worker.rounds == [[1], [3, 2, 1]]


def test_coalesced_rounds_never_leave_out_one_of_the_newest(sessions: sessionmaker[Session],
                                                            server: EmbeddedRedis) -> None:
    worker = Worker(sessions, server.url)
    worker.redis.rpush("feeds", b"an event")
    chance = random.Random(18)
    published: list[int] = []
    for number in chance.sample(range(1, 200), 120):  # published out of their feed's order
        published.append(number)
        worker.last_round(chance.choice([JUST_NOW, JUST_NOW, JUST_NOW, OVERDUE]))
        before = len(worker.rounds)
        worker.publish(number)
        if len(worker.rounds) > before:  # rendered after this change: it shows it all
            assert worker.rounds[-1] == sorted(published, reverse=True)[:50]
    worker.renders.render_all(worker.render)  # the render task queued meanwhile
    assert worker.rounds[-1] == sorted(published, reverse=True)[:50]
    assert 5 < len(worker.rounds) < 60  # coalesced: fewer rounds than changes


def render_tasks(worker: Worker) -> int:
    """Render tasks in the feeds queue (the test's fake events are plain bytes)."""
    return sum(json.loads(raw).get("headers", {}).get("task") == TASK
               for raw in worker.redis.lrange("feeds", 0, -1) if raw.startswith(b"{"))


def test_under_sustained_comments_rounds_come_ever_less_often_yet_a_lone_change_at_once(
        sessions: sessionmaker[Session], server: EmbeddedRedis) -> None:
    worker = Worker(sessions, server.url)
    worker.redis.rpush("feeds", *[b"an event"] * BACKLOG)  # events keep coming
    defer = MAX_DEFER.total_seconds()
    number = 0
    while defer < SUSTAINED_DEFER:  # each round forced behind queued events doubles the next wait
        number += 1
        worker.last_round(defer + 0.01)
        worker.comment()
        assert worker.comment_rounds() == number, f"no round {defer + 0.01} s after the last"
        defer = min(SUSTAINED_DEFER, 2 * defer)
        worker.last_round(defer - 0.05)  # past the last round's wait, not this one's
        worker.comment()
        assert worker.comment_rounds() == number, f"a round only {defer - 0.05} s after the last"
    worker.last_round(SUSTAINED_DEFER + 0.01)  # never longer than SUSTAINED_DEFER
    worker.comment()
    assert worker.comment_rounds() == number + 1
    # One render task waits for the round all along, however many changes came.
    assert render_tasks(worker) == 1
    # The events end: a lone change renders at once, however long the wait under load was.
    worker.redis.delete("feeds")
    worker.last_round(MIN_GAP + 0.01)
    worker.publish(200)
    assert worker.rounds[-1][0] == 200
    # And the next burst starts again from a short wait.
    worker.redis.rpush("feeds", *[b"an event"] * BACKLOG)
    worker.last_round(MAX_DEFER.total_seconds() + 0.01)
    worker.comment()
    assert worker.comment_rounds() == number + 2


def test_under_sustained_comments_a_publish_waits_as_in_a_burst_and_the_stretch_holds(
        sessions: sessionmaker[Session], server: EmbeddedRedis) -> None:
    worker = Worker(sessions, server.url)
    worker.redis.rpush("feeds", *[b"an event"] * BACKLOG)
    worker.redis.set(f"{worker.flag}:defer", SUSTAINED_DEFER)  # comments stretched it so
    worker.last_round(MAX_DEFER.total_seconds() + 0.01)
    worker.comment()
    assert worker.rendered == []  # a comment waits the stretched defer
    worker.publish(1)
    assert worker.rounds == [[1]] and worker.comment_rounds() == 1
    assert float(worker.redis.get(f"{worker.flag}:defer") or 0) == SUSTAINED_DEFER
    worker.redis.delete(f"{worker.flag}:prompt")  # as if PROMPT_FOR were over
    worker.last_round(MAX_DEFER.total_seconds() + 0.01)
    worker.comment()
    assert worker.comment_rounds() == 1  # the comments after it wait as long as before
    # A publish before its round is due: the render task it queues is due as soon, and
    # renders when it comes (the prompt is noted for it).
    worker.last_round(0.0)
    worker.publish(2)
    assert worker.rounds == [[1]]
    assert float(worker.redis.get(worker.flag) or 0) <= worker.now + MAX_DEFER.total_seconds()
    worker.last_round(MAX_DEFER.total_seconds() + 0.01)
    assert worker.renders.run_task(worker.render) > 0
    assert worker.rounds[-1] == [2, 1]


def test_a_change_after_the_events_end_does_not_wait_for_the_queued_render_task(
        sessions: sessionmaker[Session], server: EmbeddedRedis) -> None:
    """A render task queued under load is due late; a change once the queue is empty wants a
    round once the gap is over, and queues a task due then."""
    worker = Worker(sessions, server.url)
    worker.redis.rpush("feeds", *[b"an event"] * BACKLOG)
    worker.redis.set(f"{worker.flag}:defer", SUSTAINED_DEFER)
    worker.last_round(0.0)
    worker.comment()
    assert worker.rendered == [] and render_tasks(worker) == 1
    late = float(worker.redis.get(worker.flag) or 0)
    # The event applied; the worker holds the render task (due later) in memory, not queued.
    worker.redis.delete("feeds")
    worker.last_round(0.0)  # the gap, not yet over however slow the machine
    worker.comment()
    assert worker.rendered == [] and render_tasks(worker) == 1
    assert float(worker.redis.get(worker.flag) or 0) < late - 0.3  # the sooner task's time


def test_a_round_with_nothing_stale_leaves_no_trace(sessions: sessionmaker[Session],
                                                    server: EmbeddedRedis) -> None:
    worker = Worker(sessions, server.url)
    assert worker.renders.render_all(worker.render) == 0
    assert not worker.redis.exists(f"{worker.flag}:last-round", f"{worker.flag}:lock")


def test_a_few_queued_messages_are_no_sustained_load(sessions: sessionmaker[Session],
                                                     server: EmbeddedRedis) -> None:
    """A publish's own messages, or the render task waiting in the queue, never stretch the
    wait: an isolated change keeps its tenth of a second at most."""
    worker = Worker(sessions, server.url)
    worker.redis.rpush("feeds", *[b"an event"] * (BACKLOG - 1))
    for number in range(1, 6):
        worker.last_round(MAX_DEFER.total_seconds() + 0.01)
        worker.publish(number)
        assert len(worker.rounds) == number


def test_under_a_stream_of_comments_their_feeds_wait_out_the_pace_and_publishes_do_not(
        sessions: sessionmaker[Session], server: EmbeddedRedis) -> None:
    """A comment feed rendered less than COMMENT_PACE ago waits for it when comments mark it
    again, however idle the worker; an article published meanwhile renders at once; once the
    pace is over, the waiting comments show."""
    worker = Worker(sessions, server.url)
    worker.last_round(IDLE)
    worker.publish(1)
    worker.last_round(IDLE)
    worker.post_comment(1)  # the first: at once
    assert worker.shows(COMMENTS) == [1]
    rendered = worker.renders._rendered
    assert set(rendered) == {"article:1", "comments"}
    for key in rendered:  # never waited for: as if the pace had all of this test to run
        rendered[key] = time.monotonic() - COMMENT_PACE + 3600
    worker.last_round(IDLE)
    worker.post_comment(2)
    worker.post_comment(3)
    assert worker.shows(COMMENTS) == [1] and render_tasks(worker) == 1  # due at the pace's end
    worker.last_round(IDLE)
    worker.publish(2)
    assert worker.rounds[-1] == [2, 1] and worker.shows(COMMENTS) == [1]
    assert worker.renders.render_all(worker.render) == 0  # the render task, too early
    # The pace over (as if rendered that long ago): the render task renders them.
    worker.renders._rendered = {key: at - 3600 for key, at in rendered.items()}
    assert worker.renders.render_all(worker.render) == 2  # the article's and the latest
    assert worker.shows(COMMENTS) == [3, 2, 1] and worker.shows("comments.rss") == [3, 2, 1]


def test_an_article_event_is_not_held_back_by_the_pace_of_its_comment_feed(
        sessions: sessionmaker[Session], server: EmbeddedRedis) -> None:
    worker = Worker(sessions, server.url)
    worker.last_round(IDLE)
    worker.publish(1)
    worker.last_round(IDLE)
    worker.post_comment(1)
    assert worker.shows(COMMENTS) == [1]
    for key in worker.renders._rendered:  # as above
        worker.renders._rendered[key] = time.monotonic() - COMMENT_PACE + 3600
    worker.last_round(IDLE)
    worker.publish(1)  # edited: its comment feed (rendered just now) is rendered again
    with sessions() as session:
        assert session.execute(select(FeedStale.key)).all() == []  # none left waiting
