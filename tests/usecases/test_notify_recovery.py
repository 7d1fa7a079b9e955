"""Recovery links, notify's rules: a request for a confirmed address names to comments the
commenters who gave it (`recovery.wanted`), an unknown, unconfirmed or unsubscribed one gets
nothing, and one address is answered once a quarter hour; comments' codes come back sealed
(`recovery.codes`) and go out in one e-mail, a link per commenter, RFC-clean whatever the
nic, never to an address that said stop meanwhile nor once the links have expired. The
comments side: tests/comments/test_recovery_links.py."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from sqlalchemy import update
from sqlmodel import col, select

from services.notify import messages, subscriptions
from services.notify.models import Address, Consent, Delivery, Kind, Status, Subscription
from services.notify.settings import NotifySettings
from services.notify.tokens import Purpose, Tokens
from shared.events import Envelope, RecoveryCodes, RecoveryRequested, utcnow
from shared.sealing import public_key_of, seal
from tests.hostile_text import bounded, hostile
from tests.notify.rawmail import check_raw, sent_bytes
from tests.usecases.notify import FRANK, PRIVATE, Notify, asks, notify_service

ANNE = "anne@example.com"
MAIL_HEADERS = ["From", "To", "Subject", "Message-ID", "Auto-Submitted", "MIME-Version",
                "Content-Type"]  # a confirmation's: no list headers, nothing to unsubscribe


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[Notify]:
    with notify_service(tmp_path) as service:
        yield service


def requested(email: str) -> RecoveryRequested:
    request_id = uuid.uuid4().hex
    return RecoveryRequested(request_id=request_id, sealed=seal(
        public_key_of(PRIVATE), {"email": email}, RecoveryRequested.context(request_id)))


def wanted(notify: Notify) -> list[dict[str, Any]]:
    return [data for kind, data in notify.wired.events() if kind == "recovery.wanted"]


def codes(request_id: str, address_id: int, links: list[tuple[str, str]],
          expires_in: timedelta = timedelta(hours=1)) -> RecoveryCodes:
    """What comments answers: `links` as (nic, code), sealed for notify."""
    return RecoveryCodes(request_id=request_id, address_id=address_id, sealed=seal(
        public_key_of(PRIVATE), {"links": [{"nic": nic, "code": code} for nic, code in links],
                                 "expires_at": (utcnow() + expires_in).isoformat()},
        RecoveryCodes.context(request_id)))


def confirmed(notify: Notify, email: str = FRANK, *commenters: int) -> int:
    """`email` given with a comment by each of `commenters` (1 by default), and confirmed."""
    for number, commenter_id in enumerate(commenters or (1,)):
        notify.wired.handle(asks(100 * commenter_id + number, commenter_id, email))
    notify.confirm(email)
    notify.send_due()  # the confirmation request
    notify.sent.clear()
    address_id = notify.address(email).id
    assert address_id is not None
    return address_id


def plain(message: EmailMessage) -> str:
    parsed = message_from_bytes(sent_bytes(message), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    part = parsed.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_confirmed_address_names_the_commenters_who_gave_it(notify: Notify) -> None:
    address_id = confirmed(notify, FRANK, 1, 2, 2)
    confirmed(notify, ANNE, 3)
    asked = requested("Frank@EXAMPLE.com")  # however it is typed
    notify.wired.handle(asked)
    assert wanted(notify) == [{"request_id": asked.request_id, "address_id": address_id,
                               "commenter_ids": [1, 2]}]
    assert FRANK not in str(notify.wired.events())


@pytest.mark.parametrize("state", ["unknown", "unconfirmed", "unsubscribed", "bounced"])
def test_an_address_that_is_not_confirmed_gets_nothing(notify: Notify, state: str) -> None:
    if state != "unknown":
        notify.wired.handle(asks(10, 1, FRANK))
        address = notify.address()
        assert address.id is not None
        if state == "unsubscribed":
            notify.confirm()
            with notify.wired.session() as session:
                subscriptions.unsubscribe(session=session, tokens=notify.tokens,
                                          token=notify.tokens.make(
                                              Purpose.unsubscribe, address.id, address.email))
        elif state == "bounced":
            notify.confirm()
            with notify.wired.session() as session:
                session.execute(update(Address).values(consent=Consent.bounced))
                session.commit()
    before = notify.rows()
    notify.wired.handle(requested(FRANK))
    assert wanted(notify) == [] and notify.rows() == before


def test_a_confirmed_address_no_commenter_gave_gets_nothing(notify: Notify) -> None:
    confirmed(notify, FRANK, 1)
    with notify.wired.session() as session:  # forgotten: their subscriptions went
        for row in session.exec(select(Subscription)).all():
            session.delete(row)
        session.commit()
    notify.wired.handle(requested(FRANK))
    assert wanted(notify) == []


def test_one_address_is_answered_once_a_quarter_hour(notify: Notify) -> None:
    confirmed(notify)
    for _ in range(3):
        notify.wired.handle(requested(FRANK))
    assert len(wanted(notify)) == 1
    with notify.wired.session() as session:
        session.execute(update(Address).values(
            recovery_asked_at=utcnow() - timedelta(minutes=15, seconds=1)))
        session.commit()
    notify.wired.handle(requested(FRANK))
    assert len(wanted(notify)) == 2


def test_the_links_go_out_in_one_clean_email(notify: Notify) -> None:
    address_id = confirmed(notify, FRANK, 1, 2)
    asked = requested(FRANK)
    notify.wired.handle(asked)
    links = [("Frank G", "ABCDE-FGHJK-MNPQR-STVWX-YZ234"),
             ("Fr\u00e4nk\r\nBcc: eve@example.org =?utf-8?q?=0ABcc:x@example.org?=",
              "ZYXWV-TSRQP-NMKJH-GFEDC-BA987")]
    answer = codes(asked.request_id, address_id, links)
    notify.wired.handle(answer)
    # The same answer again (a copy of another envelope) queues nothing more.
    notify.wired.handle(answer)
    [(key, to, status)] = notify.rows("recovery")
    assert (key, to, status) == (f"recovery:{asked.request_id}", address_id, Status.waiting)
    with notify.wired.session() as session:
        stored = session.exec(select(Delivery)).all()
    assert all(code not in str(d.content) for d in stored for _, code in links)
    assert notify.send_due() == 1
    [message] = notify.sent
    raw = sent_bytes(message)
    check_raw(raw, names=MAIL_HEADERS, to=FRANK, subject="Your recovery link for burg.example")
    assert b"eve@example.org" not in raw.split(b"\r\n\r\n", 1)[0]  # no header was injected
    text = plain(message)
    found = [parse_qs(urlsplit(word).query)["code"][0] for word in text.split()
             if word.startswith("https://burg.example/me/recover?code=")]
    assert found == [code for _, code in links]
    assert "\u201cFrank G\u201d" in text and "Bcc: eve" in text  # the nic, on one line
    assert notify.rows("recovery")[0][2] == Status.sent


def test_no_links_to_an_address_that_said_stop_meanwhile(notify: Notify) -> None:
    address_id = confirmed(notify)
    asked = requested(FRANK)
    notify.wired.handle(asked)
    address = notify.address()
    assert address.id is not None
    with notify.wired.session() as session:
        subscriptions.unsubscribe(session=session, tokens=notify.tokens, token=notify.tokens.make(
            Purpose.unsubscribe, address.id, address.email))
    notify.wired.handle(codes(asked.request_id, address_id, [("Frank G", "A" * 25)]))
    assert notify.rows("recovery") == []
    assert notify.send_due() == 0 and notify.sent == []


def test_links_that_expired_before_sending_are_not_sent(notify: Notify) -> None:
    address_id = confirmed(notify)
    asked = requested(FRANK)
    notify.wired.handle(asked)
    notify.wired.handle(codes(asked.request_id, address_id, [("Frank G", "A" * 25)],
                              expires_in=timedelta(seconds=-1)))
    assert notify.send_due() == 0 and notify.sent == []
    with notify.wired.session() as session:
        failed = session.exec(select(Delivery).where(col(Delivery.kind) == "recovery")).one()
    assert failed.status == Status.failed and "expired" in (failed.last_error or "")
    assert "A" * 25 not in (failed.last_error or "")


def test_codes_no_key_of_ours_opens_are_refused(notify: Notify) -> None:
    address_id = confirmed(notify)
    forged = codes("r1", address_id, [("Frank G", "A" * 25)])
    raw = Envelope.wrap(forged.model_copy(update={"request_id": "r2"}),
                        producer="comments").model_dump(mode="json")
    with pytest.raises(ValueError):  # Unsealable: bound to another request
        notify.wired.inbox.handle(raw)
    assert notify.rows("recovery") == []


@bounded(150)
@given(nic=hostile(max_size=300))
def test_any_nic_gives_a_clean_email_with_its_link(nic: str) -> None:
    """Whatever a stored nic holds (an old one, from before input was checked), the e-mail
    is raw-clean, its headers are only the expected ones, and its link is intact."""
    settings = NotifySettings(site_url="https://burg.example", private_keys=PRIVATE,
                              smtp_from="Burg <noreply@burg.example>")
    answer = codes("r-hostile", 1, [(nic, "ABCDE-FGHJK-MNPQR-STVWX-YZ234")])
    delivery = Delivery(key="recovery:r-hostile", kind=Kind.recovery, address_id=1,
                        content={"request_id": "r-hostile", "sealed": answer.sealed},
                        message_id=messages.message_id(settings, "recovery:r-hostile"))
    message = messages.build(settings, Tokens(settings), delivery, Address(
        id=1, email="frank@example.org", consent=Consent.confirmed))
    raw = sent_bytes(message)
    check_raw(raw, names=MAIL_HEADERS, subject="Your recovery link for burg.example")
    links = [w for w in plain(message).split() if "/me/recover?code=" in w]
    assert links == ["https://burg.example/me/recover?code=ABCDE-FGHJK-MNPQR-STVWX-YZ234"]
