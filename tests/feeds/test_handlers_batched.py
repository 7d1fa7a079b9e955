"""In-process: the feeds handlers applied to several events in one transaction (as a worker
that takes a batch of events per message does) leave the read model, the stale documents and
then the rendered feeds exactly as the same events applied one transaction each."""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from services.feeds.models import FeedArticle, FeedComment, FeedDocument, FeedStale
from services.feeds.settings import FeedsSettings
from services.feeds.tasks import handlers, render
from shared.db import make_engine
from shared.events import (
    ArticlePublished,
    ArticleRetracted,
    ArticleUpdated,
    CommentCreated,
    CommentEdited,
    CommentRemoved,
    Event,
)
from shared.inbox import HANDLING
from tests.databases import database_url, migrated

SETTINGS = FeedsSettings(site_url="https://burg.example", feeds_url="https://burg.example")
HANDLERS = handlers(SETTINGS)
NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)
FEED_TIME = re.compile(rb"<lastBuildDate>[^<]*</lastBuildDate>|<updated>[^<]*</updated>")


def article(number: int, minutes: int = 0, *, category: str = "sea", title: str = "",
            event: type[ArticlePublished] = ArticlePublished) -> ArticlePublished:
    return event(article_id=number, slug=f"a{number}", url=f"https://burg.example/a/{number}",
                 title=title or f"Article {number}", category_slug=category,
                 category_name=category.title(), posted_by="Ed", dateline=date(2026, 5, 4),
                 summary="S.", body_html=f"<p>Body {number}.</p>",
                 published_at=NOON + timedelta(minutes=number),
                 updated_at=NOON + timedelta(minutes=number + minutes), comments_close_at=None)


def comment(number: int, article_id: int) -> CommentCreated:
    return CommentCreated(comment_id=number, article_id=article_id, article_title="Old title",
                          article_url=f"https://burg.example/a/{article_id}", parent_id=None,
                          commenter_id=1, nic="Frank", body_html=f"<p>Comment {number}.</p>",
                          created_at=NOON + timedelta(hours=1, minutes=number))


EVENTS: list[Event] = [
    article(1), article(2), comment(10, 1), comment(11, 1), comment(12, 2),
    article(1, 5, title="Renamed", event=ArticleUpdated),  # renames its comments' article
    article(2, 6, category="land", event=ArticleUpdated),  # moves to another category
    CommentEdited(comment_id=11, article_id=1, body_html="<p>Edited.</p>",
                  edited_at=NOON + timedelta(hours=2)),
    CommentRemoved(comment_id=12, article_id=2, reason="hidden"),
    article(3), article(3, 1, event=ArticleUpdated), article(3),  # an older copy: no effect
    ArticleRetracted(article_id=3, category_slug="sea", retracted_at=NOON + timedelta(hours=3)),
    article(4), comment(13, 4), comment(13, 4),  # the same comment twice
    # Retracted, published again, retracted again: each step sees the one before it.
    article(5), ArticleRetracted(article_id=5, category_slug="sea",
                                 retracted_at=NOON + timedelta(hours=4)),
    article(5, 300, event=ArticleUpdated),
    ArticleRetracted(article_id=5, category_slug="sea", retracted_at=NOON + timedelta(hours=6)),
]


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[Callable[[str], Engine]]:
    made: list[Engine] = []

    def engine(name: str) -> Engine:
        made.append(make_engine(migrated("feeds", database_url(tmp_path, name))))
        return made[-1]

    yield engine
    for each in made:
        each.dispose()


def apply(session: Session, event: Event, number: int) -> None:
    session.info[HANDLING] = (f"event-{number}", event.type)
    HANDLERS[event.type](session, event)


def timeless(body: bytes) -> bytes:
    """A document without the feed's own time (the clock's when rendered), entries' kept."""
    return FEED_TIME.sub(b"", body, count=1)


def state(engine: Engine) -> dict[str, Any]:
    """The read model, the stale keys, then every document once rendered."""
    with Session(engine) as session:
        seen: dict[str, Any] = {
            "articles": [a.model_dump() for a in session.exec(select(FeedArticle)
                                                              .order_by(FeedArticle.article_id))],
            "comments": [c.model_dump() for c in session.exec(select(FeedComment)
                                                              .order_by(FeedComment.comment_id))],
            "stale": sorted(session.exec(select(FeedStale.key)))}
        for key in seen["stale"]:
            render(session, key, SETTINGS)
        session.commit()
        seen["documents"] = {d.path: timeless(d.body) for d in session.exec(select(FeedDocument))}
    return seen


def test_events_in_one_transaction_do_what_they_do_one_by_one(
        engines: Callable[[str], Engine]) -> None:
    one_by_one, batched = engines("one"), engines("batched")
    for number, event in enumerate(EVENTS):
        with Session(one_by_one) as session:
            apply(session, event, number)
            session.commit()
    with Session(batched) as session:
        for number, event in enumerate(EVENTS):
            apply(session, event, number)
        session.commit()
    expected = state(one_by_one)
    assert state(batched) == expected
    assert "articles/3/comments.rss" not in expected["documents"]
    assert [a["retracted"] for a in expected["articles"]][2:] == [True, False, True]
    assert {"articles/1/comments.rss", "categories/land.rss", "comments.json"} <= set(
        expected["documents"])
    assert [c["comment_id"] for c in expected["comments"]] == [10, 11, 13]
    assert [a["title"] for a in expected["articles"]][:2] == ["Renamed", "Article 2"]
    assert {"category:sea", "category:land", "site", "comments"} <= set(expected["stale"])
