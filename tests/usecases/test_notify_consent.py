"""The notify service's consent and reply rules, each on a database of its own with the
delivery rows as the evidence (none of these rules emits an event: its outbox stays empty)."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from services.notify import subscriptions
from services.notify.models import Consent, Status, Subscription
from services.notify.tokens import BadToken, Purpose
from shared.events import CommentRemoved, Envelope, utcnow
from shared.inbox import RetryLater
from tests.usecases.notify import Notify, asks, comment, notify_service


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[Notify]:
    with notify_service(tmp_path) as service:
        yield service


# Consent


def test_a_new_address_is_asked_to_confirm_once_a_day_however_it_is_spelt(
        notify: Notify) -> None:
    notify.wired.handle(asks(10))
    notify.wired.handle(asks(11, email="Frank@EXAMPLE.com"))
    address = notify.address()
    assert address.consent == Consent.unconfirmed
    assert [(status, address_id) for _, address_id, status in notify.rows()] == [
        (Status.waiting, address.id)]
    assert notify.rows()[0][0].startswith("confirm:")
    with notify.wired.session() as session:
        assert len(session.exec(select(Subscription)).all()) == 2


def test_an_unconfirmed_subscription_gets_no_reply_mail(notify: Notify) -> None:
    notify.wired.handle(asks(10))
    notify.wired.handle(comment(20, commenter_id=2, parent_id=10))
    assert notify.rows("reply") == []


def test_a_reply_queues_one_email_to_the_parent_author_not_to_the_replier(
        notify: Notify) -> None:
    notify.wired.handle(asks(10, commenter_id=1))
    notify.confirm()
    notify.wired.handle(comment(20, commenter_id=2, parent_id=10))
    notify.wired.handle(comment(21, commenter_id=1, parent_id=10))  # their own answer
    assert notify.rows("reply") == [(f"reply:20:{notify.address().id}", notify.address().id,
                                     Status.waiting)]


def test_a_second_copy_of_an_event_changes_nothing(notify: Notify) -> None:
    notify.wired.handle(asks(10))
    notify.confirm()
    reply = Envelope.wrap(comment(20, 2, 10), producer="comments").model_dump(mode="json")
    assert notify.wired.handle(comment(20, 2, 10), envelope=reply)
    assert not notify.wired.handle(comment(20, 2, 10), envelope=reply)
    notify.wired.handle(comment(20, 2, 10))  # the same comment in an event sent again
    assert len(notify.rows("reply")) == 1


def test_a_reply_that_overtakes_its_parents_subscription_waits_for_it(notify: Notify) -> None:
    with pytest.raises(RetryLater):
        notify.wired.handle(comment(20, 2, parent_id=10))
    with notify.wired.session() as session:  # nothing kept: the retry applies it afresh
        assert session.exec(select(notify.wired.inbox.table.c.event_id)).all() == []


def test_a_thread_follower_hears_of_every_comment_but_their_own(notify: Notify) -> None:
    notify.wired.handle(asks(10, commenter_id=1, replies=False, follow=True))
    notify.confirm()
    notify.wired.handle(comment(20, commenter_id=2, followed=True))
    notify.wired.handle(comment(21, commenter_id=1, followed=True))
    assert [key.split(":")[1] for key, _, _ in notify.rows("reply")] == ["20"]


def test_a_removed_comment_takes_back_its_waiting_email_and_its_late_creation_sends_nothing(
        notify: Notify) -> None:
    notify.wired.handle(asks(10))
    notify.confirm()
    notify.wired.handle(comment(20, 2, 10))
    notify.wired.handle(CommentRemoved(comment_id=20, article_id=1))
    notify.wired.handle(CommentRemoved(comment_id=21, article_id=1))
    notify.wired.handle(comment(21, 3, 10))  # its creation handled after its removal
    assert [(key, status) for key, _, status in notify.rows("reply")] == [
        (f"reply:20:{notify.address().id}", Status.cancelled)]


def test_unsubscribing_cancels_what_waits_and_an_older_confirmation_cannot_undo_it(
        notify: Notify) -> None:
    notify.wired.handle(asks(10))
    address = notify.address()
    assert address.id is not None
    old_link = notify.tokens.make(Purpose.confirm, address.id, address.email)
    notify.confirm()
    notify.wired.handle(comment(20, 2, 10))
    with notify.wired.session() as session:
        subscriptions.unsubscribe(session=session, tokens=notify.tokens, token=notify.tokens.make(
            Purpose.unsubscribe, address.id, address.email),
            now=utcnow() + timedelta(seconds=1))  # a second on: links carry whole seconds
    assert notify.rows("reply")[0][2] == Status.cancelled
    with notify.wired.session() as session, pytest.raises(BadToken):
        subscriptions.confirm(session=session, tokens=notify.tokens, token=old_link)
    assert notify.address().consent == Consent.unsubscribed


def test_a_link_for_one_purpose_serves_no_other(notify: Notify) -> None:
    notify.wired.handle(asks(10))
    address = notify.address()
    assert address.id is not None
    confirm = notify.tokens.make(Purpose.confirm, address.id, address.email)
    with notify.wired.session() as session, pytest.raises(BadToken):
        subscriptions.unsubscribe(session=session, tokens=notify.tokens, token=confirm)
    with pytest.raises(BadToken):
        subscriptions.check(tokens=notify.tokens, purpose=Purpose.confirm, token=confirm + "x")
    assert notify.address().consent == Consent.unconfirmed
