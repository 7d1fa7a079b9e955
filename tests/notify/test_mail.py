"""The reply e-mail as built, without sending: headers safe from injection, threading ids."""

from datetime import UTC, datetime
from email import message_from_bytes, policy

from services.notify.mailer import header_safe
from services.notify.models import Subscription
from services.notify.replies import reply_message
from services.notify.settings import NotifySettings
from shared.events import CommentCreated

settings = NotifySettings(site_url="https://burg.example", smtp_from="Burg <noreply@burg.example>")


def reply(title: str = "A title", nic: str = "Proc") -> CommentCreated:
    return CommentCreated(
        comment_id=42, article_id=7, article_title=title, article_url="https://burg.example/a/t",
        parent_id=41, commenter_id=2, nic=nic, body_html="<p>Agreed &amp; more</p>",
        created_at=datetime(2025, 5, 4, tzinfo=UTC))


def subscriber(email: str = "frank@example.org") -> Subscription:
    return Subscription(comment_id=41, article_id=7, commenter_id=1, nic="Frank", email=email)


def test_header_values_cannot_carry_new_headers() -> None:
    assert "\n" not in header_safe("Hi\r\nBcc: victim@example.org")
    assert "=?" not in header_safe("=?UTF-8?Q?=0A?=Bcc: victim@example.org")


def test_reply_message_has_exactly_the_expected_headers() -> None:
    title = "Evil\r\nBcc: victim@example.org =?UTF-8?Q?=0ABcc:_x@example.org?="
    message = reply_message(settings, reply(title=title), subscriber(),
                            message_id="<k@burg.example>")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert sorted(parsed.keys()) == sorted([
        "From", "To", "Subject", "Message-ID", "Auto-Submitted", "In-Reply-To", "References",
        "MIME-Version", "Content-Type"])  # each exactly once
    assert parsed["To"] == "frank@example.org"
    assert parsed["In-Reply-To"] == parsed["References"] == "<thread-7@burg.example>"
    assert "Bcc" not in parsed and "victim" not in parsed["To"]
    plain = parsed.get_body(preferencelist=("plain",)).get_content()
    assert "https://burg.example/a/t#comment-42" in plain
    assert "Agreed & more" in plain
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert "<p>Agreed &amp; more</p>" in html
