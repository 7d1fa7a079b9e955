"""The e-mails as built, without sending: headers safe from injection, threading ids, the
unsubscribe headers of RFC 2369 and 8058, long replies cut."""

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from services.notify import inbound, messages
from services.notify.headers import one_line
from services.notify.models import Address, Consent, Delivery, Kind
from services.notify.settings import NotifySettings
from services.notify.tokens import BadToken, Purpose, Tokens
from tests.conftest import unsubscribe_links
from tests.notify.rawmail import check_raw, sent_bytes


@pytest.fixture
def settings(tmp_path: Path) -> NotifySettings:
    return NotifySettings(site_url="https://burg.example",
                          smtp_from="Burg <noreply@burg.example>", data_dir=tmp_path)


def reply(settings: NotifySettings, **content: Any) -> tuple[Delivery, Address]:
    key = "reply:42:1"
    values = {"comment_id": 42, "article_id": 7, "article_title": "A title",
              "article_url": "https://burg.example/a/t", "replier_nic": "Proc",
              "recipient_nic": "Frank", "body_html": "<p>Agreed &amp; more</p>",
              "follows_thread": False} | content
    return (Delivery(key=key, kind=Kind.reply, address_id=1, content=values,
                     message_id=messages.message_id(settings, key)),
            Address(id=1, email="frank@example.org", consent=Consent.confirmed))


def parsed(message: EmailMessage) -> EmailMessage:
    result = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(result, EmailMessage)
    return result


@pytest.mark.parametrize("evil", [
    "Hi\r\nBcc: victim@example.org", "=?UTF-8?Q?=0A?=Bcc: victim@example.org",
    "=?utf-8?q?=0A?=Bcc: x", "Hi\u2028Bcc: x", "Hi\x85Bcc: x", "Hi\x0bBcc: x", "Hi\x1cBcc: x",
    "Hi\u2029Bcc: x", "=?=?a?b?c?=?b?c?=", "=?x =?utf-8?b?Cg==?= ?y?z?="])
def test_header_values_cannot_carry_new_headers(evil: str) -> None:
    safe = one_line(evil)
    assert len(safe.splitlines()) == 1 and "=?" not in safe


def test_reply_has_exactly_the_expected_headers(settings: NotifySettings) -> None:
    evil = "Evil\r\nBcc: victim@example.org =?UTF-8?Q?=0ABcc:_x@example.org?="
    delivery, address = reply(settings, article_title=evil, replier_nic=evil)
    built = messages.build(settings, Tokens(settings), delivery, address)
    check_raw(sent_bytes(built), subject="New reply on \u201cEvil Bcc: victim@example.org\u201d")
    mail = parsed(built)
    assert sorted(mail.keys()) == sorted([
        "From", "To", "Subject", "Message-ID", "Auto-Submitted", "In-Reply-To", "References",
        "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version",
        "Content-Type"])  # each exactly once
    assert mail["To"] == "frank@example.org"
    assert mail["Message-ID"] == messages.message_id(settings, "reply:42:1")
    assert mail["In-Reply-To"] == mail["References"] == "<thread-7@burg.example>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = unsubscribe_links(mail)  # the link for one-click POSTs, and a mailto:
    assert https.startswith("https://burg.example/subscriptions/unsubscribe?token=")
    token = parse_qs(urlsplit(https).query)["token"][0]
    assert urlsplit(mailto).path == "unsubscribe@burg.example"
    assert parse_qs(urlsplit(mailto).query) == {"subject": [f"unsubscribe {token}"]}
    assert "Bcc" not in mail and "victim" not in mail["To"]
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert "https://burg.example/comments/42" in plain.get_content()
    assert "Agreed & more" in plain.get_content()
    assert "<p>Agreed &amp; more</p>" in html.get_content()


def test_the_unsubscribe_link_holds_a_token_for_this_address(settings: NotifySettings) -> None:
    delivery, address = reply(settings)
    mail = parsed(messages.build(settings, Tokens(settings), delivery, address))
    token = mail["List-Unsubscribe"].split("token=")[1].split(">")[0]
    assert Tokens(settings).read(Purpose.unsubscribe, token)[:2] == (1, "frank@example.org")
    with pytest.raises(BadToken):  # one purpose's token never stands in for another's
        Tokens(settings).read(Purpose.confirm, token)


def test_an_unsubscribe_mail_yields_the_token_of_its_mailto_link(
        settings: NotifySettings) -> None:
    delivery, address = reply(settings)
    mail = parsed(messages.build(settings, Tokens(settings), delivery, address))
    _, mailto = unsubscribe_links(mail)
    subject = parse_qs(urlsplit(mailto).query)["subject"][0]
    request = EmailMessage()
    request["From"], request["To"], request["Subject"] = "frank@example.org", "u@x", subject
    request.set_content("Sent from my phone")
    token = inbound.token_in(request.as_bytes())
    assert token is not None
    assert Tokens(settings).read(Purpose.unsubscribe, token)[:2] == (1, "frank@example.org")
    # A client that put the words in the body instead; and a message with no token at all.
    moved = EmailMessage()
    moved["Subject"] = "Re: your list"
    moved.set_content(f"Please {subject}\nThanks")
    assert inbound.token_in(moved.as_bytes()) == token
    assert inbound.token_in(b"Subject: unsubscribe me please\r\n\r\nstop it") is None
    assert inbound.token_in(b"\xff\xfe not a message at all") is None


def test_forged_and_expired_tokens_are_refused(settings: NotifySettings) -> None:
    token = Tokens(settings).make(Purpose.confirm, 1, "frank@example.org")
    with pytest.raises(BadToken, match="not valid"):
        Tokens(settings).read(Purpose.confirm, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    other = NotifySettings(data_dir=settings.data_dir / "elsewhere", site_url="https://x.example")
    with pytest.raises(BadToken, match="not valid"):
        Tokens(other).read(Purpose.confirm, token)  # signed with another key
    expired = settings.model_copy(update={"confirm_days": -1})
    with pytest.raises(BadToken, match="expired"):
        Tokens(expired).read(Purpose.confirm, token)


def test_keys_rotate_newest_last(settings: NotifySettings) -> None:
    """With keys "old,new" a link made before the rotation still reads, and new links are
    signed with the newest key: they read under it alone, not under the older alone."""
    def tokens(keys: str) -> Tokens:
        return Tokens(settings.model_copy(update={"secret_keys": keys}))

    before = tokens("old-key").make(Purpose.unsubscribe, 1, "frank@example.org")
    rotated = tokens("old-key,new-key")
    assert rotated.read(Purpose.unsubscribe, before)[:2] == (1, "frank@example.org")
    after = rotated.make(Purpose.unsubscribe, 1, "frank@example.org")
    assert tokens("new-key").read(Purpose.unsubscribe, after)[:2] == (1, "frank@example.org")
    with pytest.raises(BadToken, match="not valid"):
        tokens("old-key").read(Purpose.unsubscribe, after)


def test_a_huge_reply_is_cut_with_a_link(settings: NotifySettings) -> None:
    body = "<p>" + "word " * 5000 + "</p><script>x</script>"
    delivery, address = reply(settings, body_html=body)
    mail = parsed(messages.build(settings, Tokens(settings), delivery, address))
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert len(plain.get_content()) < settings.max_reply_chars + 2000
    assert "The rest: https://burg.example/comments/42" in plain.get_content()
    assert "Read the rest" in html.get_content() and "<script" not in html.get_content()


def test_confirmation_asks_with_a_link_and_no_unsubscribe_headers(
        settings: NotifySettings) -> None:
    key = "confirm:1:2026-11-25"
    delivery = Delivery(key=key, kind=Kind.confirm, address_id=1,
                        message_id=messages.message_id(settings, key))
    address = Address(id=1, email="frank@example.org")
    mail = parsed(messages.build(settings, Tokens(settings), delivery, address))
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    assert "https://burg.example/subscriptions/confirm?token=" in plain.get_content()
    assert "List-Unsubscribe" not in mail and mail["Subject"].startswith("Confirm")
