"""E-mail addresses in the notify service, against a real SMTP server and a real database:
every spelling of an address is one row (so one confirmation request a day holds for the
mailbox), addresses arrive sealed for notify alone, and the migration that merges the rows
of older versions."""

import importlib
import smtplib
from datetime import UTC, datetime
from email.utils import getaddresses, parseaddr
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlmodel import select

from services.comments.models import CommentCreate
from services.notify import mailer, subscriptions
from services.notify.headers import split_mailbox
from services.notify.models import Address
from services.notify.settings import NotifySettings
from services.notify.smtp import _quoted
from shared.events import SubscriptionRequested
from shared.migrations import config, head
from shared.sealing import Unsealable, new_private_key, public_key_of, seal
from shared.text import mail_key
from tests.databases import database_url, metadata_of, migrated, sql
from tests.hostile_text import bounded
from tests.notify.conftest import Notify, SMTPServer
from tests.notify.helpers import subscribe

VARIANTS = ["frank@b\u00fccher.de", "Frank@B\u00dcCHER.DE", "FRANK@xn--bcher-kva.de",
            "frank@\uff42\u00fc\uff43\uff48\uff45\uff52.de"]  # the last in fullwidth letters
STORED = "frank@xn--bcher-kva.de"


def test_every_spelling_of_an_address_is_one_row_and_one_confirmation_request(
        notify: Notify, smtp: SMTPServer) -> None:
    for comment_id, variant in enumerate(VARIANTS, start=1):
        subscribe(notify, email=variant, comment_id=comment_id)
    with notify.sessions() as session:
        assert [a.email for a in session.exec(select(Address)).all()] == [STORED]
    assert [rcpts for rcpts, _ in smtp.recorder.received] == [[STORED]]


def test_an_address_notify_would_not_mail_as_given_goes_nowhere(notify: Notify,
                                                                smtp: SMTPServer) -> None:
    with pytest.raises(ValueError, match="=\\?") as refused:
        subscribe(notify, email="=?a?b?c1?=leak@example.org")
    assert "leak" not in str(refused.value)  # the reason, kept with the dead letter, not it
    with notify.sessions() as session:
        assert session.exec(select(Address)).all() == []
    assert smtp.recorder.received == []


def test_the_address_opens_only_with_notifys_key_and_for_its_own_event(
        notify: Notify, smtp: SMTPServer) -> None:
    def request(sealed: str, comment_id: int = 1) -> SubscriptionRequested:
        return SubscriptionRequested(comment_id=comment_id, article_id=1, commenter_id=1,
                                     nic="Frank", sealed=sealed)

    stranger = public_key_of(new_private_key())
    for sealed, comment_id in [
            (seal(stranger, {"email": "frank@example.org"},  # to another key
                  SubscriptionRequested.context(1)), 1),
            (notify.sealed("frank@example.org", comment_id=2), 1),  # for another comment
            ("bm90IHNlYWxlZA==", 1), ("", 1)]:
        with pytest.raises(Unsealable):
            notify.handle(subscriptions.on_subscription_requested, request(sealed, comment_id),
                          settings=notify.settings)
    assert smtp.recorder.received == []
    notify.handle(subscriptions.on_subscription_requested,
                  request(notify.sealed("frank@example.org", comment_id=3), 3),
                  settings=notify.settings)
    assert [rcpts for rcpts, _ in smtp.recorder.received] == [["frank@example.org"]]


def test_an_event_from_before_sealing_still_subscribes(notify: Notify,
                                                       smtp: SMTPServer) -> None:
    notify.handle(subscriptions.on_subscription_requested, SubscriptionRequested(
        comment_id=1, article_id=1, commenter_id=1, nic="Frank", email="Frank@Example.ORG"),
        settings=notify.settings)
    assert [rcpts for rcpts, _ in smtp.recorder.received] == [["frank@example.org"]]


def test_the_migration_merges_the_rows_of_one_mailbox(tmp_path: Path) -> None:
    url = database_url(tmp_path, "notify")
    metadata = metadata_of("notify")
    versions = importlib.import_module("services.notify.migrate").MIGRATIONS
    before = ScriptDirectory.from_config(config(url, metadata, versions)).get_revision(
        "5f3c2a9e8b41").down_revision
    assert isinstance(before, str) and head(versions, metadata) != before
    command.upgrade(config(url, metadata, versions), before)
    day = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [(1, "frank@b\u00fccher.de", "confirmed", day.replace(day=2)),
            (2, "frank@xn--bcher-kva.de", "unsubscribed", day.replace(day=3)),
            (3, "proc@example.org", "confirmed", None),
            (4, "=?a?b?c?=proc@example.org", "unconfirmed", day)]
    for id_, email, consent, sent in rows:
        sql(url, "INSERT INTO address (id, email, consent, confirmation_sent_at, changed_at) "
                 "VALUES (:id, :email, :consent, :sent, :changed)",
            id=id_, email=email, consent=consent, sent=sent, changed=day)
    for id_, address_id in [(10, 1), (11, 2), (12, 3)]:
        sql(url, "INSERT INTO subscription (id, comment_id, follows_thread, article_id, "
                 "commenter_id, nic, address_id, created_at) VALUES (:id, :id, false, 1, 1, "
                 "'Frank', :address, :day)", id=id_, address=address_id, day=day)
    migrated("notify", url)
    assert sql(url, "SELECT id, email, consent FROM address ORDER BY id") == [
        (1, "frank@xn--bcher-kva.de", "unsubscribed"),  # a "stop" under any spelling wins
        (3, "proc@example.org", "confirmed"),
        (4, "=?a?b?c?=proc@example.org", "unconfirmed")]  # never mailable: left alone
    assert sql(url, "SELECT id, address_id FROM subscription ORDER BY id") == [
        (10, 1), (11, 1), (12, 3)]


# Local parts of every printable ASCII character (quotes, brackets, "=?" pieces) and of
# generated addresses; domains in ASCII, in Unicode, and in capitals.
LOCAL = st.one_of(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1,
                          max_size=20),
                  st.sampled_from(["=?a?b?c1?=leak", "leak=?", "a?=b", "=?utf-8?q?=0A?=x",
                                   "a\"b", "a(b)c", "a<b>", "a,b", "a;b", "a:b", "a\\b"]))
DOMAIN = st.sampled_from(["example.org", "EXAMPLE.ORG", "b\u00fccher.de", "xn--bcher-kva.de"])


@bounded(300)
@given(address=st.one_of(st.emails(), st.builds("{}@{}".format, LOCAL, DOMAIN)))
def test_an_address_the_api_takes_goes_out_exactly_as_stored(address: str) -> None:
    """What the comments API takes, notify stores, writes into To: and the mail library reads
    back for the envelope unchanged: nothing a header writer cleans up or drops."""
    try:
        taken = CommentCreate(nic="N", body="B", email=address).email
    except ValidationError as exc:
        assert all(error["loc"] == ("email",) for error in exc.errors())
        return
    assert taken is not None
    stored = mail_key(taken)
    settings = NotifySettings(site_url="https://burg.example")
    message = mailer.build_message(settings=settings, to=stored, subject="s", text="t",
                                   html="<p>h</p>", message_id="<m@burg.example>")
    raw = message.as_bytes()
    assert f"\nTo: {stored}\n".encode() in raw.replace(b"\r\n", b"\n")
    assert getaddresses(message.get_all("To", [])) == [("", stored)]  # as smtplib reads it


@given(value=st.one_of(st.emails(), st.text(alphabet='<>@ "ab.,()\\:;', max_size=12),
                       st.text(max_size=20)))
def test_smtp_commands_quote_an_address_as_smtplib_does(value: str) -> None:
    """MAIL FROM and RCPT TO skip smtplib's address parser for a bare address: what they
    send is what smtplib's own quoting gives, for any text."""
    assert _quoted(value) == smtplib.quoteaddr(value)
    assert split_mailbox(value) == parseaddr(value)
