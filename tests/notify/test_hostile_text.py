"""Hostile text against a real SMTP server and a real SQLite file: what the server receives
reads raw whatever the title, and an e-mail that cannot be built holds up no other."""

from services.notify.models import Address, Consent, Delivery, Status, Subscription
from tests.notify.conftest import Notify, SMTPServer
from tests.notify.helpers import FRANK, comment, confirm, replies_to, status, subscribe
from tests.notify.rawmail import check_raw


def test_what_the_smtp_server_receives_reads_raw_whatever_the_title(
        notify: Notify, smtp: SMTPServer) -> None:
    subscribe(notify)
    [request] = smtp.recorder.raw_to(FRANK)
    check_raw(request, names=["From", "To", "Subject", "Message-ID", "Auto-Submitted",
                              "MIME-Version", "Content-Type"],
              subject="Confirm your e-mail address for burg.example")
    confirm(notify, smtp)
    # Every reply e-mail of an article titled so failed for good before.
    for comment_id in (2, 3):
        comment(notify, comment_id=comment_id,
                title="Ferry\u2028line\x85returns =?utf-8?q?=0A?=Bcc: x@example.org",
                nic="Proc\uffff\ud800", body_html="<p>Yes\ud800 \x0b</p>")
    assert [status(notify, f"reply:{i}:1") for i in (2, 3)] == [Status.sent] * 2
    for raw in smtp.recorder.raw_to(FRANK)[1:]:
        check_raw(raw, subject="New reply on \u201cFerry line returns Bcc: x@example.org\u201d")
    assert len(smtp.recorder.raw_to(FRANK)) == 3


def test_an_email_that_cannot_be_built_does_not_hold_up_the_next(
        notify: Notify, smtp: SMTPServer) -> None:
    joerg = "j\u00f6rg@example.org"  # an address only SMTPUTF8 carries
    # Notify takes no such address now: a row from before it checked them, confirmed.
    with notify.sessions() as session:
        address = Address(email=joerg, consent=Consent.confirmed)
        session.add(address)
        session.flush()
        assert address.id is not None
        session.add(Subscription(comment_id=5, follows_thread=True, article_id=1,
                                 commenter_id=1, nic="Jörg", address_id=address.id))
        session.commit()
    subscribe(notify)
    confirm(notify, smtp)
    # One comment, two e-mails sent one after the other: Jörg's (first) cannot be built.
    comment(notify, comment_id=6, title="Ferry\u2028line", thread_followed=True)
    with notify.sessions() as session:
        failed = session.get_one(Delivery, "reply:6:1")
    assert failed.status == Status.failed and failed.attempts == 1
    assert "could not be built" in (failed.last_error or "")
    assert "SMTPUTF8" in (failed.last_error or "") and "j\u00f6rg" not in failed.last_error
    assert status(notify, "reply:6:2") == Status.sent
    assert replies_to(smtp) == ["New reply on \u201cFerry line\u201d"]
    notify.send_due()  # and it is not tried again
    with notify.sessions() as session:
        assert session.get_one(Delivery, "reply:6:1").attempts == 1
