"""The comments service's moderation and reading rules, and what it keeps of posts' events,
each on a database of its own with the outbox rows as the evidence."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from services.comments import identity, moderation, threads
from services.comments.models import CommentStatus
from shared.errors import Conflict, Forbidden, NotFound, Unauthorized
from shared.events import (
    ArticleUpdated,
    CommentCreated,
    EditorRevoked,
    Envelope,
    utcnow,
)
from tests.usecases.comments import (
    EDITOR_TOKEN,
    SETTINGS,
    article,
    comments_service,
    count,
    post,
    status,
)
from tests.usecases.conftest import Wired


@pytest.fixture
def comments(tmp_path: Path) -> Iterator[Wired]:
    with comments_service(tmp_path) as wired:
        yield wired


@pytest.fixture
def session(comments: Wired) -> Iterator[Session]:
    with comments.session() as session:
        yield session


# Moderation


def test_hiding_records_comment_removed_and_restoring_records_comment_restored(
        comments: Wired, session: Session) -> None:
    comment, _ = post(comments)
    assert comment.id is not None
    moderation.hide(session=session, outbox=comments.outbox, comment_id=comment.id)
    assert count(comments) == 0
    assert [c.id for c in moderation.hidden(session=session)] == [comment.id]
    moderation.restore(session=session, outbox=comments.outbox, comment_id=comment.id)
    assert count(comments) == 1
    kinds = comments.event_types()
    assert kinds == ["comment.created", "comment.removed", "comment.restored"]
    assert comments.events()[-1][1]["comment_id"] == comment.id


def test_hiding_twice_records_one_removal(comments: Wired, session: Session) -> None:
    comment, _ = post(comments)
    assert comment.id is not None
    for _ in range(2):
        moderation.hide(session=session, outbox=comments.outbox, comment_id=comment.id)
    assert comments.event_types() == ["comment.created", "comment.removed"]
    assert count(comments) == 0


def test_deleting_a_waiting_comment_records_nothing_since_it_was_never_public(
        comments: Wired, session: Session) -> None:
    waiting, _ = post(comments, settings=SETTINGS.model_copy(update={"premoderation": True}))
    assert waiting.id is not None
    moderation.delete(session=session, outbox=comments.outbox, comment_id=waiting.id)
    assert comments.events() == [] and status(comments, waiting.id) == CommentStatus.deleted


def test_a_deleted_comment_is_gone_for_good(comments: Wired, session: Session) -> None:
    comment, _ = post(comments)
    assert comment.id is not None
    moderation.delete(session=session, outbox=comments.outbox, comment_id=comment.id)
    for change in (moderation.restore, moderation.approve, moderation.hide):
        with pytest.raises(NotFound):
            change(session=session, outbox=comments.outbox, comment_id=comment.id)
    assert comments.event_types() == ["comment.created", "comment.removed"]


def test_a_public_comment_cannot_be_approved_again_nor_a_waiting_one_restored(
        comments: Wired, session: Session) -> None:
    comment, _ = post(comments)
    waiting, _ = post(comments, nic="Ann",
                      settings=SETTINGS.model_copy(update={"premoderation": True}))
    assert comment.id is not None and waiting.id is not None
    moderation.hide(session=session, outbox=comments.outbox, comment_id=comment.id)
    with pytest.raises(Conflict):
        moderation.approve(session=session, outbox=comments.outbox, comment_id=comment.id)
    with pytest.raises(Conflict):
        moderation.restore(session=session, outbox=comments.outbox, comment_id=waiting.id)
    assert comments.event_types() == ["comment.created", "comment.removed"]


def test_a_banned_commenter_cannot_comment_under_any_of_their_nics(
        comments: Wired, session: Session) -> None:
    _, token = post(comments)
    post(comments, "Under another nic.", token=token, nic="Frankie")
    moderation.set_banned(session=session, nic="FRANKIE", banned=True)
    before = comments.events()
    for nic in ("Frank G", "Frankie", "Fresh Nic"):
        with pytest.raises(Forbidden):
            post(comments, token=token, nic=nic)
    assert comments.events() == before
    moderation.set_banned(session=session, nic="Frank G", banned=False)
    post(comments, "Back.", token=token)
    with pytest.raises(NotFound):
        moderation.set_banned(session=session, nic="Nobody", banned=True)


def test_an_editors_token_moderates_until_it_is_revoked(comments: Wired,
                                                        session: Session) -> None:
    editor = moderation.authenticate_editor(session=session, token=EDITOR_TOKEN)
    assert editor.nic == "Steve White"
    with pytest.raises(Unauthorized):
        moderation.authenticate_editor(session=session, token="a guess")
    comments.handle(EditorRevoked(nic="Steve White", version=2))
    session.expire_all()  # the worker's transaction changed the editor meanwhile
    with pytest.raises(Unauthorized):
        moderation.authenticate_editor(session=session, token=EDITOR_TOKEN)


# Threads


def test_a_thread_reads_replies_after_their_parents_in_pages_that_join_up(
        comments: Wired, session: Session) -> None:
    first, _ = post(comments, "1", nic="A")
    second, _ = post(comments, "2", nic="B")
    reply, _ = post(comments, "1.1", nic="C", parent_id=first.id)
    deeper, _ = post(comments, "1.1.1", nic="D", parent_id=reply.id)
    order, cursor = [], None
    while True:
        page = threads.get_thread(session=session, article_id=1, viewer=None, cursor=cursor,
                                  limit=3)
        order += [(c.id, c.depth) for c in page.comments]
        if (cursor := page.next_cursor) is None:
            break
    assert order == [(first.id, 0), (reply.id, 1), (deeper.id, 2), (second.id, 0)]
    assert page.count == 4 and page.open and page.previous_cursor is not None
    assert deeper.id is not None
    place = threads.place(session=session, comment_id=deeper.id, viewer=None, limit=2)
    assert place.cursor is not None and place.article_slug == "ferry"


def test_a_hidden_comment_with_a_visible_reply_stays_as_a_placeholder(
        comments: Wired, session: Session) -> None:
    parent, _ = post(comments, "Parent", nic="A")
    lonely, _ = post(comments, "Lonely", nic="B")
    post(comments, "Reply", nic="C", parent_id=parent.id)
    for comment in (parent, lonely):
        assert comment.id is not None
        moderation.hide(session=session, outbox=comments.outbox, comment_id=comment.id)
    shown = threads.get_thread(session=session, article_id=1, viewer=None, cursor=None,
                               limit=10).comments
    assert [(c.id, c.removed, c.nic, c.body_html) for c in shown[:1]] == [
        (parent.id, True, "", "")]
    assert lonely.id not in [c.id for c in shown] and len(shown) == 2


def test_a_waiting_comment_is_shown_to_its_author_alone(comments: Wired,
                                                        session: Session) -> None:
    waiting, token = post(comments, settings=SETTINGS.model_copy(update={"premoderation": True}))
    _, other = post(comments, nic="Ann")
    assert waiting.id is not None
    author = identity.require(session, token)
    assert threads.get_comment(session=session, comment_id=waiting.id, viewer=author).id
    for viewer in (None, identity.require(session, other)):
        with pytest.raises(NotFound):
            threads.get_comment(session=session, comment_id=waiting.id, viewer=viewer)


# What comments keeps of posts' events


def test_an_article_closed_by_posts_takes_no_comment_and_its_thread_says_so(
        comments: Wired, session: Session) -> None:
    comments.handle(article(ArticleUpdated, closes_in=-1, updated_after=1))
    thread = threads.get_thread(session=session, article_id=1, viewer=None, cursor=None,
                                limit=10)
    assert not thread.open and thread.closes_at is not None and thread.closes_at < utcnow()


def test_a_second_copy_of_an_event_changes_nothing(comments: Wired, session: Session) -> None:
    closing = Envelope.wrap(article(ArticleUpdated, closes_in=-1, updated_after=1),
                            producer="posts").model_dump(mode="json")
    assert comments.handle(article(), envelope=closing)
    comments.handle(article(ArticleUpdated, closes_in=7, updated_after=2))  # reopened later
    assert not comments.handle(article(), envelope=closing)  # the copy: skipped
    assert threads.get_thread(session=session, article_id=1, viewer=None, cursor=None,
                              limit=10).open


def test_an_event_comments_does_not_consume_is_ignored(comments: Wired) -> None:
    assert not comments.handle(CommentCreated(
        comment_id=1, article_id=1, article_title="", article_url="", parent_id=None,
        commenter_id=1, nic="x", body_html="", created_at=utcnow() - timedelta(seconds=1)))
    assert comments.events() == []
