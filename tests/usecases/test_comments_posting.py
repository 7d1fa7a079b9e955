"""The comments service's posting rules, each on a database of its own with the outbox rows
as the evidence: what a comment tells feeds and notify, and that a refused one tells them
nothing. (Nics: `tests/comments/test_nics.py`; when editing is refused:
`test_own_edit_rules.py`.)"""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from services.comments import identity, moderation, posting
from services.comments.models import Comment, CommentEdit, CommentStatus
from shared.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from shared.events import ArticleRetracted, ArticleUpdated, SubscriptionRequested, utcnow
from shared.sealing import unseal
from tests.usecases.comments import (
    PRIVATE,
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


# Posting


def test_a_comment_records_comment_created_and_counts_once(comments: Wired) -> None:
    comment, token = post(comments, "Fares [b]again[/b]?")
    assert token is not None
    [(kind, data)] = comments.events()
    assert kind == "comment.created"
    assert (data["comment_id"], data["article_id"], data["article_title"], data["nic"]) == (
        comment.id, 1, "Ferry", "Frank G")
    assert data["body_html"] == "<p>Fares <strong>again</strong>?</p>"
    assert (data["parent_id"], data["parent_wants_replies"], data["thread_followed"]) == (
        None, False, False)
    assert count(comments) == 1


def test_a_new_commenter_gets_a_token_once_and_comments_with_it_afterwards(
        comments: Wired) -> None:
    _, token = post(comments)
    _, again = post(comments, "Second.", token=token)
    assert again is None
    with comments.session() as session:
        profile = identity.profile(session=session, token=token)
    assert (profile.comment_count, profile.nics) == (2, ["Frank G"])


def test_a_comment_on_a_closed_thread_is_refused_and_records_nothing(comments: Wired) -> None:
    comments.handle(article(ArticleUpdated, closes_in=-1, updated_after=1))
    with pytest.raises(Forbidden):
        post(comments)
    assert comments.events() == [] and count(comments) == 0


def test_a_comment_on_a_retracted_or_unknown_article_is_not_found_and_records_nothing(
        comments: Wired) -> None:
    with pytest.raises(NotFound):
        post(comments, article_id=2)
    comments.handle(ArticleRetracted(article_id=1, category_slug="sea",
                                     retracted_at=utcnow() + timedelta(seconds=1)))
    with pytest.raises(NotFound):
        post(comments)
    assert comments.events() == []


def test_a_filled_in_honeypot_or_too_many_links_is_refused_and_records_nothing(
        comments: Wired) -> None:
    with pytest.raises(Invalid):
        post(comments, homepage="http://spam.example")
    links = " ".join(f"https://spam.example/{n}" for n in range(SETTINGS.max_links + 1))
    with pytest.raises(Invalid):
        post(comments, links)
    assert comments.events() == []


def test_a_nic_another_commenter_holds_is_refused_and_records_nothing(comments: Wired) -> None:
    post(comments)
    with pytest.raises(Conflict):
        post(comments, "Me too.")  # a new commenter, the same nic
    assert comments.event_types() == ["comment.created"] and count(comments) == 1


def test_a_reply_tells_whether_its_parent_asked_for_reply_mail(comments: Wired) -> None:
    asked, _ = post(comments, email="frank@example.com", notify_replies=True)
    quiet, _ = post(comments, nic="Ann")
    post(comments, "Reply one.", nic="Bob", parent_id=asked.id)
    post(comments, "Reply two.", nic="Cy", parent_id=quiet.id)
    replies = [data for kind, data in comments.events()
               if kind == "comment.created" and data["parent_id"]]
    assert [(r["parent_id"], r["parent_wants_replies"]) for r in replies] == [
        (asked.id, True), (quiet.id, False)]


def test_asking_for_reply_mail_records_the_address_sealed_for_notify_alone(
        comments: Wired) -> None:
    comment, _ = post(comments, email="frank@example.com", notify_replies=True)
    assert comments.event_types() == ["subscription.requested", "comment.created"]
    request = comments.events()[0][1]
    assert (request["comment_id"], request["replies"], request["follow_thread"]) == (
        comment.id, True, False)
    assert request["email"] is None and "frank@example.com" not in str(comments.events())
    assert comment.id is not None
    assert unseal([PRIVATE], request["sealed"], SubscriptionRequested.context(comment.id)) == {
        "email": "frank@example.com"}


def test_without_notifys_public_key_asking_for_mail_is_refused_and_records_nothing(
        comments: Wired) -> None:
    with pytest.raises(Unavailable):
        post(comments, settings=SETTINGS.model_copy(update={"notify_public_key": ""}),
             email="frank@example.com", notify_replies=True)
    assert comments.events() == [] and count(comments) == 0


def test_after_someone_follows_the_thread_every_new_comment_says_so(comments: Wired) -> None:
    post(comments, email="frank@example.com", follow_thread=True)
    post(comments, "Next.", nic="Ann")
    created = [data["thread_followed"] for kind, data in comments.events()
               if kind == "comment.created"]
    assert created == [True, True]


def test_with_premoderation_a_first_comment_waits_and_records_nothing_until_approved(
        comments: Wired) -> None:
    strict = SETTINGS.model_copy(update={"premoderation": True})
    first, token = post(comments, settings=strict)
    assert status(comments, first.id) == CommentStatus.pending
    assert comments.events() == [] and count(comments) == 0
    with comments.session() as session:
        assert [c.id for c in moderation.waiting(session=session)] == [first.id]
        assert first.id is not None
        moderation.approve(session=session, outbox=comments.outbox, comment_id=first.id)
    assert comments.events()[-1][0] == "comment.created" and count(comments) == 1
    second, _ = post(comments, "Again.", settings=strict, token=token)  # approved: no wait
    assert status(comments, second.id) == CommentStatus.visible


def test_a_preview_stores_nothing(comments: Wired) -> None:
    assert posting.preview("[i]Soon[/i]") == "<p><em>Soon</em></p>"
    with comments.session() as session:
        assert session.exec(select(Comment)).all() == []
    assert comments.events() == []


# The author's own changes (when they are refused: tests/comments/test_own_edit_rules.py)


def test_editing_ones_comment_records_comment_edited(comments: Wired) -> None:
    comment, token = post(comments)
    assert comment.id is not None
    with comments.session() as session:
        posting.edit_own(session=session, outbox=comments.outbox, settings=SETTINGS,
                         comment_id=comment.id, token=token, data=CommentEdit(body="Better."))
    kind, data = comments.events()[-1]
    assert (kind, data["comment_id"], data["body_html"]) == (
        "comment.edited", comment.id, "<p>Better.</p>")


def test_another_commenters_comment_cannot_be_changed(comments: Wired) -> None:
    comment, _ = post(comments)
    _, other = post(comments, nic="Ann")
    assert comment.id is not None
    with comments.session() as session, pytest.raises(Forbidden):
        posting.delete_own(session=session, outbox=comments.outbox, settings=SETTINGS,
                           comment_id=comment.id, token=other)
    assert comments.event_types() == ["comment.created", "comment.created"]


def test_deleting_ones_comment_records_comment_removed_and_uncounts_it(comments: Wired) -> None:
    comment, token = post(comments)
    assert comment.id is not None
    with comments.session() as session:
        posting.delete_own(session=session, outbox=comments.outbox, settings=SETTINGS,
                           comment_id=comment.id, token=token)
    assert comments.events()[-1] == ("comment.removed", {"comment_id": comment.id,
                                                          "article_id": 1})
    assert count(comments) == 0


def test_past_the_edit_window_the_author_can_change_nothing(comments: Wired) -> None:
    comment, token = post(comments)
    assert comment.id is not None
    with comments.session() as session:
        session.execute(update(Comment).where(col(Comment.id) == comment.id).values(
            created_at=utcnow() - timedelta(minutes=SETTINGS.edit_window_minutes + 1)))
        session.commit()
        with pytest.raises(Forbidden):
            posting.edit_own(session=session, outbox=comments.outbox, settings=SETTINGS,
                             comment_id=comment.id, token=token, data=CommentEdit(body="No."))
    assert comments.event_types() == ["comment.created"]
