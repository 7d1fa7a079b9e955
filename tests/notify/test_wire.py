"""A message's bytes as they go out (`Outgoing.wire`, written by `mailer`) are exactly what
the email package's generator writes for the same message, as smtplib's `send_message` would
send it: whatever the nics, titles, bodies, subjects and senders."""

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.notify import mailer, messages
from services.notify.models import Address, Consent, Delivery, Kind
from services.notify.settings import NotifySettings
from services.notify.tokens import Tokens
from tests.notify.rawmail import sent_bytes

SITE = NotifySettings(site_url="https://burg.example", data_dir=Path("/nonexistent"),
                      secret_keys="wire-test-key")
# Any text, and the kinds that change how a message is written: long lines, line breaks of
# every sort, controls, surrogates, noncharacters, encoded-word look-alikes, markup.
TEXT = st.one_of(st.text(), st.lists(st.sampled_from(
    ["a", " ", "\n", "\r", "\r\n", "\u2028", "\x0b", "\x85", "\x00", "\ud800", "\uffff",
     "=?", "?=", "é", "\u6f22", "<b>", "</p>", "&amp;", ".", "From ", "=", "x" * 80])).map("".join))
HTML = st.one_of(TEXT, st.builds("<p>{}</p><p><a href=\"https://e.org/{}\">{}</a></p>".format,
                                 TEXT, st.text(max_size=5), TEXT))
SENDERS = st.sampled_from([
    "Burg <noreply@burg.example>", "noreply@burg.example", "B\u00fcrg <noreply@burg.example>",
    '"Burg, the site" <noreply@burg.example>', "The " + "very " * 30 + "long <n@b.example>"])
QUICK = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def written(message: Any) -> bytes:
    assert isinstance(message, mailer.Outgoing)
    return message.wire


@QUICK
@given(title=TEXT, replier=TEXT, recipient=TEXT, body=HTML, follows=st.booleans(),
       sender=SENDERS)
def test_a_reply_goes_out_as_the_email_package_writes_it(
        title: str, replier: str, recipient: str, body: str, follows: bool, sender: str) -> None:
    site = SITE.model_copy(update={"smtp_from": sender})
    content = {"comment_id": 42, "article_id": 7, "article_title": title,
               "article_url": "https://burg.example/a/t", "replier_nic": replier,
               "recipient_nic": recipient, "body_html": body, "follows_thread": follows}
    delivery = Delivery(key="reply:42:1", kind=Kind.reply, address_id=1, content=content,
                        message_id=messages.message_id(site, "reply:42:1"))
    address = Address(id=1, email="frank@example.org", consent=Consent.confirmed)
    built = messages.build(site, Tokens(site), delivery, address)
    assert written(built) == sent_bytes(built)


@QUICK
@given(subject=TEXT, text=TEXT, html=TEXT, sender=SENDERS,
       to=st.sampled_from(["frank@example.org", "a.b+c@m\u00fcller.example", "x@y.example"]))
def test_any_message_goes_out_as_the_email_package_writes_it(
        subject: str, text: str, html: str, sender: str, to: str) -> None:
    site = SITE.model_copy(update={"smtp_from": sender})
    try:
        built = mailer.build_message(settings=site, to=to, subject=subject, text=text,
                                     html=html, message_id="<m@burg.example>",
                                     headers={"List-Id": "Replies <replies.burg.example>"})
    except UnicodeError:  # a body with a lone surrogate the caller left in: refused, as before
        return
    assert written(built) == sent_bytes(built)
