"""The posts service's article life cycle (draft, published, edited, retracted; comments
closed and reopened), each on a database of its own with the outbox rows as the evidence:
what a change tells comments and feeds, and that a refused or idle change tells nothing."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from services.posts import articles, categories, reading
from services.posts.models import (
    MAX_BODY,
    ArticleUpdate,
    CategoryCreate,
)
from shared.errors import Conflict, TooLarge
from tests.usecases.conftest import Wired
from tests.usecases.posts import SETTINGS, a_draft, after_setup, posts_service, published


@pytest.fixture
def posts(tmp_path: Path) -> Iterator[Wired]:
    with posts_service(tmp_path) as wired:
        yield wired


@pytest.fixture
def session(posts: Wired) -> Iterator[Session]:
    with posts.session() as session:
        yield session


# The article life cycle


def test_a_draft_records_nothing_and_takes_a_free_slug(posts: Wired, session: Session) -> None:
    first = a_draft(posts, session, "Ferry fares")
    before = after_setup(posts)
    second = a_draft(posts, session, "Ferry fares")
    assert [reading.get_article(session=session, article_id=i).slug
            for i in (first, second)] == ["ferry-fares", "ferry-fares-2"]
    assert len(posts.events()) == before  # drafts are nobody else's business


def test_publishing_an_article_records_article_published_in_the_outbox(
        posts: Wired, session: Session) -> None:
    article_id = a_draft(posts, session)
    articles.publish_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                             article_id=article_id)
    kind, data = posts.events()[-1]
    assert kind == "article.published"
    assert data["article_id"] == article_id and data["category_slug"] == "sea"
    assert data["url"] == "https://burg.example/articles/ferry-fares-rise"
    assert data["posted_by"] == "Steve White" and data["comments_close_at"] is not None
    assert "<em>ferry</em>" in data["body_html"] and data["summary"] == "The ferry costs more."


def test_publishing_twice_records_one_event(posts: Wired, session: Session) -> None:
    article_id = published(posts, session)
    articles.publish_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                             article_id=article_id)
    assert posts.event_types().count("article.published") == 1


def test_editing_a_draft_records_nothing_and_a_published_article_records_article_updated(
        posts: Wired, session: Session) -> None:
    article_id = a_draft(posts, session)
    before = after_setup(posts)
    articles.edit_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                          article_id=article_id, data=ArticleUpdate(title="Draft title"))
    assert len(posts.events()) == before
    articles.publish_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                             article_id=article_id)
    articles.edit_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                          article_id=article_id, data=ArticleUpdate(title="Fares rise again"))
    kind, data = posts.events()[-1]
    assert (kind, data["title"], data["slug"]) == ("article.updated", "Fares rise again",
                                                   "ferry-fares-rise")  # the slug stays


def test_an_edit_that_changes_nothing_records_nothing(posts: Wired, session: Session) -> None:
    article_id = published(posts, session)
    before = after_setup(posts)
    articles.edit_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                          article_id=article_id, data=ArticleUpdate(title="Ferry fares rise"))
    assert len(posts.events()) == before


def test_moving_an_article_names_its_new_category_in_article_updated(
        posts: Wired, session: Session) -> None:
    article_id = published(posts, session)
    categories.create_category(session=session, outbox=posts.outbox,
                               data=CategoryCreate(name="Land"))
    articles.edit_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                          article_id=article_id, data=ArticleUpdate(category="land"))
    kind, data = posts.events()[-1]
    assert (kind, data["category_slug"], data["category_name"]) == (
        "article.updated", "land", "Land")


def test_a_body_over_the_limit_is_refused(posts: Wired, session: Session) -> None:
    article_id = published(posts, session)
    before = after_setup(posts)
    with pytest.raises(TooLarge):
        articles.edit_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                              article_id=article_id,
                              data=ArticleUpdate(body="x" * (MAX_BODY + 1)))
    assert len(posts.events()) == before


def test_retracting_records_article_retracted_once_and_ends_the_article(
        posts: Wired, session: Session) -> None:
    article_id = published(posts, session)
    for _ in range(2):
        articles.retract_article(session=session, outbox=posts.outbox, article_id=article_id)
    retractions = [data for kind, data in posts.events() if kind == "article.retracted"]
    assert len(retractions) == 1
    assert retractions[0]["article_id"] == article_id and retractions[0]["retracted_at"]
    before = after_setup(posts)
    with pytest.raises(Conflict):
        articles.publish_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                                 article_id=article_id)
    with pytest.raises(Conflict):
        articles.edit_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                              article_id=article_id, data=ArticleUpdate(title="Back"))
    with pytest.raises(reading.Retracted):  # 410, with when: not "no such article"
        reading.get_published_article(session=session, slug="ferry-fares-rise")
    assert len(posts.events()) == before


def test_a_draft_cannot_be_retracted_nor_its_comments_closed(
        posts: Wired, session: Session) -> None:
    article_id = a_draft(posts, session)
    before = after_setup(posts)
    with pytest.raises(Conflict):
        articles.retract_article(session=session, outbox=posts.outbox, article_id=article_id)
    with pytest.raises(Conflict):
        articles.close_comments(session=session, outbox=posts.outbox, settings=SETTINGS,
                                article_id=article_id)
    assert len(posts.events()) == before


def test_closing_and_reopening_comments_each_record_article_updated_once(
        posts: Wired, session: Session) -> None:
    article_id = published(posts, session)
    before = after_setup(posts)
    for _ in range(2):
        closed = articles.close_comments(session=session, outbox=posts.outbox,
                                         settings=SETTINGS, article_id=article_id)
    assert not reading.comments_open(closed)
    for _ in range(2):
        opened = articles.reopen_comments(session=session, outbox=posts.outbox,
                                          settings=SETTINGS, article_id=article_id)
    assert reading.comments_open(opened)
    changes = posts.events()[before:]
    assert [kind for kind, _ in changes] == ["article.updated", "article.updated"]
    assert changes[0][1]["comments_close_at"] < changes[1][1]["comments_close_at"]
