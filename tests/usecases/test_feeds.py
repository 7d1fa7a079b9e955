"""The feeds service's rules: what each event does to the read model and which documents it
marks stale (the rows of `feedstale` are the evidence: the render task renders exactly
those), and that rendering them stores documents a strict client accepts. Each on a database
of its own; the render lock and its Redis are `tests/feeds/test_rendering_rules.py`'s."""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from services.feeds import comment_feeds, documents, feeding, stale
from services.feeds.models import (
    FeedArticle,
    FeedComment,
    FeedDocument,
    FeedRenderFailure,
    FeedsTable,
    FeedStale,
)
from services.feeds.settings import FeedsSettings
from services.feeds.tasks import handlers
from shared.errors import NotFound
from shared.events import (
    ArticlePublished,
    ArticleRetracted,
    ArticleUpdated,
    CategoryCreated,
    CategoryUpdated,
    CommentCreated,
    CommentEdited,
    CommentRemoved,
    Envelope,
)
from tests.feeds.strict import assert_strict
from tests.usecases.conftest import Wired, wire

SETTINGS = FeedsSettings(site_url="https://burg.example", feeds_url="https://burg.example")
NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)
HANDLERS = handlers(SETTINGS)  # the service's own routing table


@pytest.fixture
def feeds(tmp_path: Path) -> Iterator[Wired]:
    with wire(tmp_path, "feeds", FeedsTable.metadata, HANDLERS) as wired:
        yield wired


def article(category: str = "sea", minutes: int = 0, title: str = "Ferry <fares>", *,
            event: type[ArticlePublished] = ArticlePublished) -> ArticlePublished:
    return event(article_id=1, slug="ferry", url="https://burg.example/articles/ferry",
                 title=title, category_slug=category, category_name=category.title(),
                 posted_by="Ed", dateline=date(2026, 5, 4), summary="Fares rise.",
                 body_html="<p>Fares <em>rise</em>.</p><script>x()</script>",
                 published_at=NOON, updated_at=NOON + timedelta(minutes=minutes),
                 comments_close_at=None)


def comment(comment_id: int = 7) -> CommentCreated:
    return CommentCreated(comment_id=comment_id, article_id=1, article_title="Ferry",
                          article_url="https://burg.example/articles/ferry", parent_id=None,
                          commenter_id=1, nic="Frank \x01G", body_html="<p>Too dear.</p>",
                          created_at=NOON + timedelta(minutes=comment_id))


def stale_keys(feeds: Wired) -> dict[str, tuple[str, int]]:
    """Each stale document's key: (type of the event that last marked it, its version)."""
    with feeds.session() as session:
        return {row.key: (row.event_type, row.version)
                for row in session.exec(select(FeedStale)).all()}


def render(session: Session, key: str) -> None:
    """Render the document(s) a stale key names, as services/feeds/tasks.py's `render`."""
    kind, _, name = key.partition(":")
    if kind == "site":
        feeding.render_site(session=session, settings=SETTINGS)
    elif kind == "category":
        feeding.render_category(session=session, settings=SETTINGS, category_slug=name)
    elif kind == "comments":
        comment_feeds.render_latest(session=session, settings=SETTINGS)
    else:
        comment_feeds.render_article(session=session, settings=SETTINGS, article_id=int(name))


def render_stale(feeds: Wired) -> dict[str, bytes]:
    """Render every stale document; every stored document's bytes, by path."""
    with feeds.session() as session:
        for key in stale_keys(feeds):
            render(session, key)
        session.commit()
        return {d.path: d.body for d in session.exec(select(FeedDocument)).all()}


def test_a_new_category_marks_its_feeds_the_sites_and_the_latest_comments_stale(
        feeds: Wired) -> None:
    feeds.handle(CategoryCreated(slug="sea", name="Sea", description=""))
    assert stale_keys(feeds) == {key: ("category.created", 1)
                                 for key in ("category:sea", "site", "comments")}


def test_a_published_article_marks_its_category_and_the_site_stale(feeds: Wired) -> None:
    feeds.handle(article())
    assert set(stale_keys(feeds)) == {"category:sea", "site"}  # its comment feed: on request
    with feeds.session() as session:
        assert session.get_one(FeedArticle, 1).title == "Ferry <fares>"
    feeds.handle(article(minutes=1, title="Ferry fares", event=ArticleUpdated))
    assert set(stale_keys(feeds)) == {"category:sea", "site", "article:1"}  # seen before


def test_a_new_articles_comment_feed_is_made_on_request_until_its_first_comment(
        feeds: Wired) -> None:
    feeds.handle(article())
    render_stale(feeds)
    paths = [f"articles/1/comments.{fmt}" for fmt in ("rss", "atom", "json")]
    with feeds.session() as session:
        made = {path: documents.get_document(session=session, path=path, settings=SETTINGS)
                for path in paths}
        assert session.exec(select(FeedDocument).where(
            col(FeedDocument.path).in_(paths))).all() == []  # nothing stored
        for path, document in made.items():
            assert_strict(path, document.body)
            assert document.last_modified == NOON  # the article's last change, not the clock's
            again = documents.get_document(session=session, path=path, settings=SETTINGS)
            assert (again.body, again.etag) == (document.body, document.etag)
            assert documents.stored_etag(session=session, path=path,
                                         settings=SETTINGS) == document.etag
        assert set(paths) <= {path for path, _ in documents.list_documents(session=session)}
        with pytest.raises(NotFound):  # only the API asks for what is not stored
            documents.get_document(session=session, path=paths[0])
        # The bytes the worker would store, but for the feed's own time.
        comment_feeds.render_article(session=session, settings=SETTINGS, article_id=1)
        session.flush()
        for path in paths:
            rendered = session.get_one(FeedDocument, path)
            assert timeless(rendered.body) == timeless(made[path].body)
            assert rendered.title == made[path].title
        session.rollback()
    feeds.handle(comment())
    render_stale(feeds)
    with feeds.session() as session:
        stored = documents.get_document(session=session, path=paths[0], settings=SETTINGS)
        assert b"Too dear" in stored.body and stored.last_modified > NOON
    feeds.handle(ArticleRetracted(article_id=2, category_slug="sea", retracted_at=NOON))
    feeds.handle(article(title="Other").model_copy(update={"article_id": 3}))
    feeds.handle(ArticleRetracted(article_id=3, category_slug="sea",
                                  retracted_at=NOON + timedelta(minutes=1)))
    with feeds.session() as session:
        for gone in ("articles/2/comments.rss", "articles/3/comments.rss",
                     "articles/4/comments.rss", "articles/3/comments.xml"):
            with pytest.raises(NotFound):
                documents.get_document(session=session, path=gone, settings=SETTINGS)


def timeless(body: bytes) -> bytes:
    """A document without the feed's own time."""
    return re.sub(rb"<lastBuildDate>[^<]*</lastBuildDate>|<updated>[^<]*</updated>", b"",
                  body, count=1)


def test_an_article_moved_to_another_category_marks_both_stale(feeds: Wired) -> None:
    feeds.handle(article("sea"))
    feeds.handle(article("land", minutes=1, event=ArticleUpdated))
    assert stale_keys(feeds)["category:sea"] == ("article.updated", 2)
    assert stale_keys(feeds)["category:land"] == ("article.updated", 1)


def test_an_older_article_event_arriving_later_changes_nothing(feeds: Wired) -> None:
    feeds.handle(article(minutes=5, title="New title", event=ArticleUpdated))
    before = stale_keys(feeds)
    feeds.handle(article(minutes=0, title="Old title"))
    with feeds.session() as session:
        assert session.get_one(FeedArticle, 1).title == "New title"
    assert stale_keys(feeds) == before


def test_a_retraction_takes_the_article_out_and_an_older_publication_cannot_bring_it_back(
        feeds: Wired) -> None:
    feeds.handle(article())
    feeds.handle(comment())
    render_stale(feeds)
    feeds.handle(ArticleRetracted(article_id=1, category_slug="sea",
                                  retracted_at=NOON + timedelta(minutes=1)))
    feeds.handle(article(minutes=0, event=ArticleUpdated))  # late, and older
    stored = render_stale(feeds)
    assert "articles/1/comments.atom" not in stored
    assert b"Ferry" not in stored["categories/sea.json"] + stored["site.json"]
    assert b"Too dear" not in stored["comments.json"]


def test_a_second_copy_of_an_event_changes_nothing(feeds: Wired) -> None:
    once = Envelope.wrap(comment(), producer="comments").model_dump(mode="json")
    assert feeds.handle(comment(), envelope=once)
    assert not feeds.handle(comment(), envelope=once)
    assert stale_keys(feeds) == {"article:1": ("comment.created", 1),
                                 "comments": ("comment.created", 1)}


def test_an_edited_comment_keeps_its_place_and_a_removed_one_leaves(feeds: Wired) -> None:
    feeds.handle(comment(7))
    feeds.handle(CommentEdited(comment_id=7, article_id=1, body_html="<p>Far too dear.</p>",
                               edited_at=NOON + timedelta(hours=1)))
    with feeds.session() as session:
        edited = session.get_one(FeedComment, 7)
        assert (edited.summary, edited.created_at) == ("Far too dear.", comment(7).created_at)
    feeds.handle(CommentRemoved(comment_id=7, article_id=1))
    with feeds.session() as session:
        assert session.get(FeedComment, 7) is None
    assert stale_keys(feeds)["article:1"] == ("comment.removed", 3)


def test_rendering_stores_strictly_valid_rss_atom_and_json_for_every_stale_document(
        feeds: Wired) -> None:
    feeds.handle(CategoryCreated(slug="sea", name="Sea & \x0bShips", description="<b>Salt</b>"))
    feeds.handle(article())
    feeds.handle(comment())
    feeds.handle(CategoryUpdated(slug="sea", name="The Sea", description=""))
    stored = render_stale(feeds)
    stems = {"site", "comments", "categories/sea", "articles/1/comments"}
    assert set(stored) == {f"{stem}.{fmt}" for stem in stems for fmt in ("rss", "atom", "json")}
    for path, body in stored.items():
        assert_strict(path, body)
        assert b"<script>" not in body and b"x()" not in body
    assert b"The Sea" in stored["site.json"]  # entries name their category as it is now


def test_rendering_unchanged_content_stores_nothing_new(feeds: Wired) -> None:
    feeds.handle(article())
    render_stale(feeds)
    with feeds.session() as session:
        feeding.render_site(session=session, settings=SETTINGS)
        session.commit()
        assert session.get_one(FeedDocument, "site.atom").revision == 1
        assert documents.list_documents(session=session)[0][0] == "articles/1/comments.atom"
        with pytest.raises(NotFound):
            documents.get_document(session=session, path="site.atom\x00")


def test_a_document_set_aside_after_failed_renders_is_put_back_stale(feeds: Wired) -> None:
    with feeds.session() as session:
        session.add(FeedRenderFailure(key="site", event_id="e", event_type="article.published",
                                      attempts=5, error="boom", failed_at=NOON))
        session.commit()
        assert stale.put_back(session=session) == ["site"]
        session.commit()
        assert session.exec(select(FeedRenderFailure)).all() == []
    assert stale_keys(feeds) == {"site": ("retry-render", 1)}
