"""Who gets reply e-mail and how often, against a real SMTP server and a real SQLite file:
consent first, one e-mail per reply and recipient whatever is delivered twice, retries and
failures as SMTP answers, removed comments, unsubscribing, and the hourly limit's digest."""

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from services.notify import replies, subscriptions
from services.notify.models import Address, Consent, Delivery, Kind, Status
from services.notify.tokens import BadToken, Purpose
from shared.events import CommentCreated, CommentRemoved, utcnow
from tests.notify.conftest import Notify, SMTPServer, make_notify
from tests.notify.helpers import FRANK, comment, confirm, replies_to, status, subscribe


def test_a_new_address_is_asked_to_confirm_and_gets_replies_only_then(
        notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    assert [m["Subject"] for m in smtp.recorder.to(FRANK)] == [
        "Confirm your e-mail address for burg.example"]
    comment(notify, comment_id=2)
    assert replies_to(smtp) == []  # not confirmed yet: nothing
    confirm(notify, smtp)
    comment(notify, comment_id=3)
    assert replies_to(smtp) == ["New reply on \u201cFerry line returns\u201d"]
    subscribe(notify, comment_id=5)  # a confirmed address is not asked again
    assert len(smtp.recorder.to(FRANK)) == 2


def test_a_redelivered_reply_sends_nothing_more(notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    confirm(notify, smtp)
    for _ in range(3):
        comment(notify, comment_id=2)
    [reply] = [m for m in smtp.recorder.to(FRANK) if m["Subject"].startswith("New reply")]
    assert reply["Message-ID"].endswith("@burg.example>")
    assert status(notify, "reply:2:1") == Status.sent


def test_nobody_hears_of_their_own_reply(notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    confirm(notify, smtp)
    comment(notify, comment_id=2, commenter_id=1)
    assert replies_to(smtp) == []


def test_unsubscribing_stops_everything_until_asked_and_confirmed_again(
        notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    confirm(notify, smtp)
    with notify.sessions() as session:
        address = session.exec(select(Address).where(Address.email == FRANK)).one()
        assert address.id is not None
        token = notify.tokens.make(Purpose.unsubscribe, address.id, address.email)
        subscriptions.unsubscribe(session=session, tokens=notify.tokens, token=token)
    comment(notify, comment_id=2)
    assert replies_to(smtp) == []
    subscribe(notify, comment_id=3)  # asked again the same day: no second request, no mail
    assert len([m for m in smtp.recorder.to(FRANK) if m["Subject"].startswith("Confirm")]) == 1
    comment(notify, comment_id=4, parent_id=3)
    assert replies_to(smtp) == []


def test_a_thread_follower_hears_of_every_comment_but_their_own(
        notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify, replies_=False, follow=True)
    confirm(notify, smtp)
    comment(notify, comment_id=2, parent_id=None, thread_followed=True)
    comment(notify, comment_id=3, parent_id=2, thread_followed=True)
    comment(notify, comment_id=4, commenter_id=1, parent_id=None, thread_followed=True)
    assert replies_to(smtp) == ["New comment on \u201cFerry line returns\u201d"] * 2


def test_smtp_down_then_back_sends_exactly_once(notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    confirm(notify, smtp)
    smtp.stop()
    comment(notify, comment_id=2)
    with notify.sessions() as session:
        delivery = session.get_one(Delivery, "reply:2:1")
    assert delivery.status == Status.waiting and delivery.attempts == 1
    assert "no SMTP conversation" in (delivery.last_error or "")
    assert delivery.next_attempt_at is not None
    smtp.start()
    notify.clock.reach(delivery.next_attempt_at)
    assert notify.send_due() == 1
    notify.send_due()
    assert len(replies_to(smtp)) == 1


def test_temporary_failures_back_off_exponentially_then_give_up(  # type: ignore[no-untyped-def]
        tmp_path, smtp: SMTPServer, redis_url: str) -> None:
    notify = make_notify(tmp_path, smtp.port, redis_url, retry_seconds=60, max_attempts=3)
    subscribe(notify)
    confirm(notify, smtp)
    smtp.stop()

    def attempt(send: Callable[[], object]) -> tuple[Delivery, float, float]:
        """Run one attempt: the delivery after it, when its next attempt is due counted from
        the attempt's start, and how long the attempt took."""
        began = notify.clock()
        send()
        took = (notify.clock() - began).total_seconds()
        with notify.sessions() as session:
            delivery = session.get_one(Delivery, "reply:2:1")
        due = delivery.next_attempt_at
        return delivery, (due - began).total_seconds() if due else 0.0, took

    def when_due(delivery: Delivery) -> None:
        assert delivery.next_attempt_at is not None
        assert notify.send_due() == 0  # not before its time
        notify.clock.reach(delivery.next_attempt_at)

    first, wait, took = attempt(lambda: comment(notify, comment_id=2))
    assert first.status == Status.waiting and first.attempts == 1
    assert 60 <= wait <= 60 + took, (wait, took)  # retry_seconds
    when_due(first)
    second, wait, took = attempt(notify.deliveries.send_due)
    assert second.status == Status.waiting and second.attempts == 2
    assert 120 <= wait <= 120 + took, (wait, took)  # twice that
    when_due(second)
    third, _, _ = attempt(notify.deliveries.send_due)
    assert third.status == Status.failed and third.attempts == 3
    assert "gave up after 3 attempts" in (third.last_error or "")


def test_4xx_is_retried_and_5xx_fails_and_stops_mail_to_the_address(
        notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    confirm(notify, smtp)
    smtp.recorder.refuse_data = ["451 4.3.0 try again later"]
    comment(notify, comment_id=2)
    assert status(notify, "reply:2:1") == Status.waiting
    notify.clock.advance(notify.settings.retry_seconds)
    assert notify.send_due() == 1  # the retry after 451
    assert replies_to(smtp) == ["New reply on \u201cFerry line returns\u201d"]

    smtp.recorder.refuse_rcpt = "550 5.1.1 no such mailbox"
    comment(notify, comment_id=3)
    assert status(notify, "reply:3:1") == Status.failed
    with notify.sessions() as session:
        address = session.exec(select(Address).where(Address.email == FRANK)).one()
        assert address.consent == Consent.bounced
    assert [d.key for d in notify.upkeep.failed()] == ["reply:3:1"]
    comment(notify, comment_id=4)
    with notify.sessions() as session:  # nothing more for a bounced address
        assert session.get(Delivery, "reply:4:1") is None
    # Once the cause is mended an operator retries: the address is taken at its word again.
    smtp.recorder.refuse_rcpt = None
    assert notify.upkeep.retry() == 1
    notify.send_due()
    assert status(notify, "reply:3:1") == Status.sent
    assert len(replies_to(smtp)) == 2


def test_a_removed_comment_takes_back_its_waiting_email(
        notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    confirm(notify, smtp)
    smtp.recorder.refuse_data = ["421 4.7.0 busy"]
    comment(notify, comment_id=2)
    notify.handle(replies.on_comment_removed, CommentRemoved(comment_id=2, article_id=1))
    notify.clock.advance(notify.settings.retry_seconds)  # the retry is due
    notify.send_due()
    assert status(notify, "reply:2:1") == Status.cancelled
    assert replies_to(smtp) == []


def test_over_the_hourly_limit_replies_fold_into_one_digest(  # type: ignore[no-untyped-def]
        tmp_path, smtp: SMTPServer, redis_url: str) -> None:
    notify = make_notify(tmp_path, smtp.port, redis_url, max_per_window=2)  # an hour's window
    subscribe(notify)
    confirm(notify, smtp)
    for comment_id in range(2, 8):
        comment(notify, comment_id=comment_id)
    assert len(replies_to(smtp)) == 2
    assert [status(notify, f"reply:{i}:1") for i in range(4, 8)] == [Status.held] * 4
    notify.handle(replies.on_comment_removed, CommentRemoved(comment_id=6, article_id=1))
    notify.upkeep.fold_digests()
    assert status(notify, "reply:4:1") == Status.held  # not before the window has passed
    notify.clock.advance(notify.settings.window_seconds)
    notify.upkeep.fold_digests()
    # Removed after folding, before the digest went out: it drops out of the digest too.
    notify.handle(replies.on_comment_removed, CommentRemoved(comment_id=7, article_id=1))
    notify.send_due()
    subjects = replies_to(smtp)
    assert subjects[2:] == ["2 more replies to your comments on burg.example"]
    digest = smtp.recorder.to(FRANK)[-1].get_body(preferencelist=("plain",))
    assert digest is not None
    links = [w for w in digest.get_content().split() if "/comments/" in w]
    assert links == [f"https://burg.example/comments/{n}" for n in (4, 5)]
    assert [status(notify, f"reply:{i}:1") for i in (4, 5)] == [Status.folded] * 2
    notify.upkeep.fold_digests()
    notify.send_due()
    assert len(replies_to(smtp)) == 3  # nothing folded twice


def test_a_batch_counts_its_own_replies_and_stores_a_redelivered_one_once(
        tmp_path: Path, smtp: SMTPServer, redis_url: str) -> None:
    """Events handled together in one transaction (a batch): each e-mail stored is seen by
    the next event's hourly count and by its check for an e-mail stored already."""
    notify = make_notify(tmp_path, smtp.port, redis_url, max_per_window=2)
    subscribe(notify)
    confirm(notify, smtp)

    def reply(comment_id: int) -> CommentCreated:
        return CommentCreated(
            comment_id=comment_id, article_id=1, article_title="Ferry line returns",
            article_url="https://burg.example/a/ferry", parent_id=1, commenter_id=2,
            nic="Proc", body_html="<p>Yes</p>", created_at=datetime(2025, 5, 4, tzinfo=UTC),
            parent_wants_replies=True)

    with notify.sessions() as session:
        for comment_id in (2, 3, 2, 4, 3):
            replies.on_comment_created(session, reply(comment_id), settings=notify.settings)
        session.commit()
    with notify.sessions() as session:
        stored = session.exec(select(Delivery.key, Delivery.status)
                              .where(Delivery.kind == Kind.reply)).all()
    assert sorted(stored) == [("reply:2:1", Status.sent), ("reply:3:1", Status.sent),
                              ("reply:4:1", Status.held)]
    assert len(replies_to(smtp)) == 2


def test_two_workers_mailing_one_address_at_once_keep_to_the_hourly_limit(
        tmp_path, smtp: SMTPServer, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    notify = make_notify(tmp_path, smtp.port, redis_url, max_per_window=1)
    subscribe(notify)
    confirm(notify, smtp)

    counted = threading.Event()

    def reply(comment_id: int, linger: float) -> None:
        """A worker handling one reply, its transaction open a while before the commit."""
        with notify.sessions() as session:
            replies.on_comment_created(session, CommentCreated(
                comment_id=comment_id, article_id=1, article_title="Ferry line returns",
                article_url="https://burg.example/a/ferry", parent_id=1, commenter_id=2,
                nic="Proc", body_html="<p>Yes</p>", created_at=datetime(2025, 5, 4, tzinfo=UTC),
                parent_wants_replies=True), settings=notify.settings)
            counted.set()
            time.sleep(linger)
            session.commit()

    first = threading.Thread(target=reply, args=(2, 0.5))
    first.start()
    counted.wait(5)  # the second starts while the first has counted and not yet committed
    reply(3, 0)
    first.join()
    assert status(notify, "reply:3:1") == Status.held
    assert len(replies_to(smtp)) == 1


def test_a_comment_removed_before_its_creation_is_handled_sends_nothing(
        notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    confirm(notify, smtp)
    notify.handle(replies.on_comment_removed, CommentRemoved(comment_id=2, article_id=1))
    comment(notify, comment_id=2)
    assert replies_to(smtp) == []


def test_an_email_that_cannot_be_built_fails_once_instead_of_looping(
        notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    confirm(notify, smtp)
    with notify.sessions() as session:
        session.add(Delivery(key="reply:99:1", kind=Kind.reply, address_id=1, content={},
                             message_id="<x@burg.example>"))
        session.commit()
    assert notify.send_due() == 0
    [failed] = notify.upkeep.failed()
    assert failed.key == "reply:99:1" and "could not be built" in (failed.last_error or "")
    assert failed.attempts == 1
    assert notify.send_due() == 0
    [again] = notify.upkeep.failed()  # read anew: `failed` is as it was before this round
    assert (again.key, again.attempts) == ("reply:99:1", 1)


def test_a_sender_whose_lease_ran_out_cannot_overwrite_the_next_ones_record(
        tmp_path, smtp: SMTPServer, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    notify = make_notify(tmp_path, smtp.port, redis_url, lease_seconds=30)
    subscribe(notify)
    confirm(notify, smtp)
    smtp.recorder.stall_rcpt = 1.5  # the first send outlasts its lease
    smtp.recorder.rcpt_seen.clear()

    def round_after_the_lease() -> None:
        """The worker's next round, once the first send's lease has run out."""
        smtp.recorder.rcpt_seen.wait(10)
        notify.clock.advance(notify.settings.lease_seconds + 1)
        notify.send_due()

    second = threading.Thread(target=round_after_the_lease)
    second.start()
    comment(notify, comment_id=2)
    second.join()
    # The documented window: a lease shorter than the conversation sends twice, with one id.
    mails = [m for m in smtp.recorder.to(FRANK) if m["Subject"].startswith("New reply")]
    assert len(mails) == 2 and mails[0]["Message-ID"] == mails[1]["Message-ID"]
    with notify.sessions() as session:
        delivery = session.get_one(Delivery, "reply:2:1")
    assert delivery.status == Status.sent and delivery.attempts == 2
    notify.send_due()
    assert len(replies_to(smtp)) == 2


def test_an_old_confirmation_link_does_not_undo_an_unsubscribe(
        notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    [mail] = smtp.recorder.to(FRANK)
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    link = next(w for w in plain.get_content().split() if "/subscriptions/confirm?" in w)
    [token] = parse_qs(urlsplit(link).query)["token"]
    with notify.sessions() as session:
        subscriptions.confirm(session=session, tokens=notify.tokens, token=token)
        address = session.exec(select(Address).where(Address.email == FRANK)).one()
        assert address.id is not None
        subscriptions.unsubscribe(session=session, tokens=notify.tokens, token=notify.tokens.make(
            Purpose.unsubscribe, address.id, address.email),
            now=utcnow() + timedelta(seconds=1))  # tokens are signed to the second
    with notify.sessions() as session, pytest.raises(BadToken, match="older than"):
        subscriptions.confirm(session=session, tokens=notify.tokens, token=token)
