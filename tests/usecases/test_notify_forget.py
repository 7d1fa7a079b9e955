"""Notify forgets a commenter (`commenter.forgotten`): their subscriptions go, an address only
they gave is unsubscribed with everything waiting for it cancelled, a shared address keeps the
other commenter's subscriptions and e-mail; a second copy of the event changes nothing."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from services.notify.models import Consent, Status, Subscription
from shared.events import CommenterForgotten, CommentRemoved, Envelope
from tests.usecases.notify import Notify, asks, comment, notify_service

ANNE = "anne@example.com"


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[Notify]:
    with notify_service(tmp_path) as service:
        yield service


def subscribers(notify: Notify) -> list[int]:
    with notify.wired.session() as session:
        return sorted(s.commenter_id for s in session.exec(
            select(Subscription).order_by(col(Subscription.id))).all())


def test_forgetting_unsubscribes_an_address_only_they_gave_and_cancels_its_mail(
        notify: Notify) -> None:
    notify.wired.handle(asks(10, commenter_id=1))
    notify.wired.handle(asks(11, commenter_id=1, follow=True, replies=False))
    notify.confirm()
    notify.wired.handle(comment(20, commenter_id=2, parent_id=10))
    address = notify.address()
    assert [status for *_, status in notify.rows("reply")] == [Status.waiting]
    notify.wired.handle(CommenterForgotten(commenter_id=1))
    assert notify.address().consent == Consent.unsubscribed
    assert [status for *_, status in notify.rows("reply")] == [Status.cancelled]
    assert subscribers(notify) == []
    # Their comments' removals, and a reply to one posted just before, arriving late.
    notify.wired.handle(CommentRemoved(comment_id=10, article_id=1))
    notify.wired.handle(CommentRemoved(comment_id=11, article_id=1))
    notify.wired.handle(comment(21, commenter_id=2, parent_id=10, followed=True))
    assert notify.rows("reply") == [(f"reply:20:{address.id}", address.id, Status.cancelled)]
    assert notify.send_due() == 0 and notify.sent == []


def test_a_shared_address_keeps_the_other_commenters_subscriptions_and_mail(
        notify: Notify) -> None:
    notify.wired.handle(asks(10, commenter_id=1))
    notify.wired.handle(asks(12, commenter_id=3))  # the same address, another commenter
    notify.confirm()
    notify.wired.handle(comment(20, commenter_id=2, parent_id=10))  # to N1
    notify.wired.handle(comment(21, commenter_id=2, parent_id=12))  # to N3
    notify.wired.handle(CommenterForgotten(commenter_id=1))
    assert notify.address().consent == Consent.confirmed
    assert subscribers(notify) == [3]
    assert {key: status for key, _, status in notify.rows("reply")} == {
        f"reply:20:{notify.address().id}": Status.cancelled,
        f"reply:21:{notify.address().id}": Status.waiting}
    notify.wired.handle(comment(22, commenter_id=2, parent_id=12))
    notify.send_due()
    assert [(key.split(":")[1], status) for key, _, status in notify.rows("reply")] == [
        ("20", Status.cancelled), ("21", Status.sent), ("22", Status.sent)]


def test_a_second_copy_changes_nothing_and_a_confirmation_waiting_is_cancelled(
        notify: Notify) -> None:
    notify.wired.handle(asks(10, commenter_id=1, email=ANNE))
    assert [status for *_, status in notify.rows("confirm")] == [Status.waiting]
    event = Envelope.wrap(CommenterForgotten(commenter_id=1), producer="comments"
                          ).model_dump(mode="json")
    assert notify.wired.handle(CommenterForgotten(commenter_id=1), envelope=event)
    assert not notify.wired.handle(CommenterForgotten(commenter_id=1), envelope=event)
    assert notify.address(ANNE).consent == Consent.unsubscribed
    assert [status for *_, status in notify.rows("confirm")] == [Status.cancelled]
    # Forgetting someone with nothing here is nothing.
    assert notify.wired.handle(CommenterForgotten(commenter_id=99))
    assert subscribers(notify) == []


def test_a_request_for_mail_that_arrives_after_its_comment_went_asks_for_nothing(
        notify: Notify) -> None:
    notify.wired.handle(CommentRemoved(comment_id=10, article_id=1))
    notify.wired.handle(CommenterForgotten(commenter_id=1))
    notify.wired.handle(asks(10, commenter_id=1, email=ANNE, follow=True))  # delayed
    assert subscribers(notify) == [] and notify.rows() == []
