"""The posts service's rules (categories, the article life cycle, editors, reads), each on a
database of its own with the outbox rows as the evidence: what a change tells the other
services, and that a refused or idle change tells them nothing."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from services.posts import articles, categories, editors, reading
from services.posts.models import (
    MAX_BODY,
    ArticleCreate,
    ArticleStatus,
    ArticleUpdate,
    Category,
    CategoryCreate,
    CategoryUpdate,
    Editor,
    PostsTable,
)
from services.posts.settings import PostsSettings
from shared.errors import Conflict, Invalid, NotFound, TooLarge, Unauthorized
from shared.events import editor_token_hash
from tests.usecases.conftest import Wired, wire

SETTINGS = PostsSettings(site_url="https://burg.example")


@pytest.fixture
def posts(tmp_path: Path) -> Iterator[Wired]:
    with wire(tmp_path, "posts", PostsTable.metadata) as wired:
        yield wired


@pytest.fixture
def session(posts: Wired) -> Iterator[Session]:
    with posts.session() as session:
        yield session


def an_editor(posts: Wired, session: Session) -> Editor:
    """The editor "Steve White" (made the first time)."""
    editor = session.exec(select(Editor)).first()
    if editor is None:
        token = editors.create_editor(session=session, outbox=posts.outbox, nic="Steve White")
        editor = editors.authenticate(session=session, token=token)
    return editor


def a_draft(posts: Wired, session: Session, title: str = "Ferry fares rise") -> int:
    """A draft in the category "Sea" (made the first time)."""
    if not session.exec(select(Category).where(Category.slug == "sea")).first():
        categories.create_category(session=session, outbox=posts.outbox,
                                   data=CategoryCreate(name="Sea"))
    article = articles.create_article(session=session, editor=an_editor(posts, session),
                                      data=ArticleCreate(title=title, category="sea",
                                                         body="The [i]ferry[/i] costs more."))
    assert article.id is not None
    return article.id


def published(posts: Wired, session: Session, title: str = "Ferry fares rise") -> int:
    article_id = a_draft(posts, session, title)
    articles.publish_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                             article_id=article_id)
    return article_id


def after_setup(posts: Wired) -> int:
    """How many events the set-up recorded: the test's own come after them."""
    return len(posts.events())


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
    with pytest.raises(NotFound):
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
