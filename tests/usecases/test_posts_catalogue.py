"""The posts service's categories, editors and reads, each on a database of its own with the
outbox rows as the evidence: what a change tells the other services, and that a refused or
idle change tells them nothing."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from services.posts import categories, editors, reading
from services.posts.models import (
    ArticleStatus,
    CategoryCreate,
    CategoryUpdate,
)
from shared.errors import Conflict, Invalid, NotFound, Unauthorized
from shared.events import editor_token_hash
from tests.usecases.conftest import Wired
from tests.usecases.posts import SETTINGS, a_draft, posts_service, published


@pytest.fixture
def posts(tmp_path: Path) -> Iterator[Wired]:
    with posts_service(tmp_path) as wired:
        yield wired


@pytest.fixture
def session(posts: Wired) -> Iterator[Session]:
    with posts.session() as session:
        yield session


# Categories


def test_creating_a_category_records_category_created(posts: Wired, session: Session) -> None:
    categories.create_category(session=session, outbox=posts.outbox,
                               data=CategoryCreate(name="Iraq & Syria", description="War"))
    assert posts.events() == [("category.created", {"slug": "iraq-syria", "name": "Iraq & Syria",
                                                    "description": "War"})]


def test_a_second_category_with_the_same_slug_is_refused_and_records_nothing(
        posts: Wired, session: Session) -> None:
    categories.create_category(session=session, outbox=posts.outbox,
                               data=CategoryCreate(name="Sea"))
    with pytest.raises(Conflict):
        categories.create_category(session=session, outbox=posts.outbox,
                                   data=CategoryCreate(name="SEA!"))
    assert posts.event_types() == ["category.created"]


def test_renaming_a_category_keeps_its_slug_and_records_category_updated(
        posts: Wired, session: Session) -> None:
    categories.create_category(session=session, outbox=posts.outbox,
                               data=CategoryCreate(name="Sea"))
    renamed = categories.update_category(session=session, outbox=posts.outbox, slug="sea",
                                         data=CategoryUpdate(name="The Sea"))
    assert renamed.slug == "sea"
    assert posts.events()[-1] == ("category.updated",
                                  {"slug": "sea", "name": "The Sea", "description": ""})


def test_a_category_update_that_changes_nothing_records_nothing(
        posts: Wired, session: Session) -> None:
    categories.create_category(session=session, outbox=posts.outbox,
                               data=CategoryCreate(name="Sea"))
    categories.update_category(session=session, outbox=posts.outbox, slug="sea",
                               data=CategoryUpdate(name="Sea"))
    assert posts.event_types() == ["category.created"]


def test_an_unknown_category_is_not_found_and_categories_list_by_name(
        posts: Wired, session: Session) -> None:
    for name in ("Sea", "Land", "Air"):
        categories.create_category(session=session, outbox=posts.outbox,
                                   data=CategoryCreate(name=name))
    assert [c.name for c in categories.list_categories(session=session)] == ["Air", "Land", "Sea"]
    with pytest.raises(NotFound):
        categories.get_category(session=session, slug="space")


# Editors


def test_a_new_editor_records_only_the_hash_of_their_token(posts: Wired,
                                                            session: Session) -> None:
    token = editors.create_editor(session=session, outbox=posts.outbox, nic="  Steve White ")
    assert posts.events() == [("editor.authorized", {
        "nic": "Steve White", "token_hash": editor_token_hash(token), "version": 1})]
    assert token not in str(posts.events())
    assert editors.authenticate(session=session, token=token).nic == "Steve White"


def test_an_existing_editor_is_refused_unless_rotated_and_the_old_token_stops_working(
        posts: Wired, session: Session) -> None:
    old = editors.create_editor(session=session, outbox=posts.outbox, nic="Steve White")
    with pytest.raises(Conflict):
        editors.create_editor(session=session, outbox=posts.outbox, nic="Steve White")
    new = editors.create_editor(session=session, outbox=posts.outbox, nic="Steve White",
                                rotate=True)
    assert [(kind, data["version"]) for kind, data in posts.events()] == [
        ("editor.authorized", 1), ("editor.authorized", 2)]
    with pytest.raises(Unauthorized):
        editors.authenticate(session=session, token=old)
    assert editors.authenticate(session=session, token=new).nic == "Steve White"


def test_revoking_an_editor_records_editor_revoked_with_the_next_version(
        posts: Wired, session: Session) -> None:
    token = editors.create_editor(session=session, outbox=posts.outbox, nic="Steve White")
    editors.revoke_editor(session=session, outbox=posts.outbox, nic="Steve White")
    assert posts.events()[-1] == ("editor.revoked", {"nic": "Steve White", "version": 2})
    with pytest.raises(Unauthorized):
        editors.authenticate(session=session, token=token)
    with pytest.raises(NotFound):
        editors.revoke_editor(session=session, outbox=posts.outbox, nic="Nobody")


def test_a_nic_no_commenter_could_use_is_refused_and_records_nothing(
        posts: Wired, session: Session) -> None:
    with pytest.raises(Invalid):
        editors.create_editor(session=session, outbox=posts.outbox, nic="Steve\nWhite")
    with pytest.raises(Unauthorized):
        editors.authenticate(session=session, token=None)
    assert posts.events() == []


# Reads


def test_only_published_articles_are_read_newest_first_in_pages_that_never_repeat(
        posts: Wired, session: Session) -> None:
    ids = [published(posts, session, f"Story {n}") for n in range(5)]
    a_draft(posts, session, "Unpublished")
    seen, cursor = [], None
    while True:
        page, cursor = reading.list_published(session=session, category="sea", limit=2,
                                              cursor=cursor)
        seen += [a.id for a in page]
        if cursor is None:
            break
    assert seen == ids[::-1]
    assert reading.get_published_article(session=session, slug="story-3").id == ids[3]
    with pytest.raises(NotFound):
        reading.get_published_article(session=session, slug="unpublished")
    with pytest.raises(Invalid):
        reading.list_published(session=session, category=None, limit=2, cursor="forged")


def test_the_public_shape_carries_its_category_url_and_whether_comments_are_open(
        posts: Wired, session: Session) -> None:
    article = reading.get_article(session=session, article_id=published(posts, session))
    public = reading.to_public(session, article, SETTINGS)
    assert (public.category.slug, public.url, public.comments_open) == (
        "sea", "https://burg.example/articles/ferry-fares-rise", True)
    assert public.status == ArticleStatus.published
    assert "[i]ferry[/i]" in reading.to_draft(session, article, SETTINGS).body
