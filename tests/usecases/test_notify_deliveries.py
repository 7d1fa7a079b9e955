"""The notify service's deliveries: what goes out, when, and what each SMTP answer leaves
recorded, each on a database of its own with the delivery rows as the evidence. The SMTP
server is a function that takes the message or raises what smtplib raises."""

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from services.notify.models import Address, Consent, Delivery, Status
from tests.usecases.notify import SETTINGS, Notify, asks, comment, notify_service


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[Notify]:
    with notify_service(tmp_path) as service:
        yield service


def a_waiting_reply(notify: Notify, comment_id: int = 20) -> str:
    """A confirmed subscriber's reply e-mail, waiting; its key."""
    if not notify.rows("confirm"):
        notify.wired.handle(asks(10))
        notify.confirm()
    notify.wired.handle(comment(comment_id, 2, 10))
    return next(key for key, _, _ in notify.rows("reply") if f":{comment_id}:" in key)


def delivery(notify: Notify, key: str) -> Delivery:
    with notify.wired.session() as session:
        return session.get_one(Delivery, key)


def test_a_due_email_goes_out_once_with_the_message_id_its_key_gives(notify: Notify) -> None:
    key = a_waiting_reply(notify)
    notify.send_due()
    notify.send_due()
    sent = delivery(notify, key)
    assert sent.status == Status.sent and sent.attempts == 1
    replies = [m for m in notify.sent if m["Message-ID"] == sent.message_id]
    assert len(replies) == 1 and replies[0]["To"] == "frank@example.com"


def test_a_temporary_refusal_waits_its_turn_then_goes_out(notify: Notify) -> None:
    key = a_waiting_reply(notify)
    notify.deliveries.deliver(next(k for k, _, _ in notify.rows("confirm")))
    notify.refusals.append(smtplib.SMTPResponseException(451, b"try later"))
    notify.deliveries.deliver(key)
    waiting = delivery(notify, key)
    assert waiting.status == Status.waiting and "451" in (waiting.last_error or "")
    assert waiting.next_attempt_at is not None and notify.send_due() == 0  # not yet
    notify.clock.reach(waiting.next_attempt_at)
    assert notify.send_due() == 1 and delivery(notify, key).status == Status.sent


def test_a_refused_recipient_fails_the_email_and_stops_mail_to_the_address(
        notify: Notify) -> None:
    key = a_waiting_reply(notify)
    notify.refusals.append(smtplib.SMTPRecipientsRefused(
        {"frank@example.com": (550, b"no such user")}))
    notify.deliveries.deliver(key)
    assert delivery(notify, key).status == Status.failed
    assert notify.address().consent == Consent.bounced
    notify.wired.handle(comment(21, 3, 10))
    assert [k for k, _, _ in notify.rows("reply")] == [key]  # nothing more queued
    assert [d.key for d in notify.upkeep.failed()] == [key]
    assert notify.upkeep.retry([key]) == 1  # the operator mended it
    assert notify.address().consent == Consent.confirmed
    assert notify.deliveries.deliver(key) and delivery(notify, key).status == Status.sent


def test_an_email_to_an_address_that_said_stop_after_it_was_queued_is_cancelled(
        notify: Notify) -> None:
    key = a_waiting_reply(notify)
    with notify.wired.session() as session:
        address = session.get_one(Address, notify.address().id)
        address.consent = Consent.bounced
        session.add(address)
        session.commit()
    assert not notify.deliveries.deliver(key)
    assert delivery(notify, key).status == Status.cancelled and key not in str(notify.sent)


def test_over_the_hourly_limit_replies_are_held_then_folded_into_one_digest(
        tmp_path: Path) -> None:
    with notify_service(tmp_path, SETTINGS.model_copy(update={"max_per_window": 1})) as notify:
        for comment_id in (20, 21, 22):
            a_waiting_reply(notify, comment_id)
        assert [status for _, _, status in notify.rows("reply")] == [
            Status.waiting, Status.held, Status.held]
        notify.send_due()
        assert notify.rows("digest") == []  # the window has not passed
        notify.clock.advance(SETTINGS.window_seconds + 1)
        notify.send_due()
        [(digest, _, status)] = notify.rows("digest")
        assert status == Status.sent
        with notify.wired.session() as session:
            folded = session.exec(select(Delivery.key).where(Delivery.digest_key == digest))
            assert sorted(folded.all()) == sorted(k for k, _, _ in notify.rows("reply")[1:])
