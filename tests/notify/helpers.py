"""Helpers for the notify tests: its use cases driven as its event handlers would be (a
subscription, a confirmation, a comment), what the SMTP server got, and, on a whole stack,
whether notify has handled a comment's event."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from services.notify import replies, subscriptions
from services.notify.models import Delivery, Status
from shared.events import CommentCreated, SubscriptionRequested
from tests.conftest import Stack
from tests.databases import as_json
from tests.notify.conftest import Notify, SMTPServer

FRANK = "frank@example.org"


def subscribe(notify: Notify, *, email: str = FRANK, comment_id: int = 1,
              commenter_id: int = 1, replies_: bool = True, follow: bool = False) -> None:
    notify.handle(subscriptions.on_subscription_requested, SubscriptionRequested(
        comment_id=comment_id, article_id=1, commenter_id=commenter_id, nic="Frank",
        sealed=notify.sealed(email, comment_id), replies=replies_, follow_thread=follow),
        settings=notify.settings)


def confirm(notify: Notify, smtp: SMTPServer, email: str = FRANK) -> None:
    """Click the link of the confirmation e-mail (and press the page's button)."""
    [mail] = [m for m in smtp.recorder.to(email) if m["Subject"].startswith("Confirm")]
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    link = next(w for w in plain.get_content().split() if "/subscriptions/confirm?" in w)
    [token] = parse_qs(urlsplit(link).query)["token"]
    with notify.sessions() as session:
        subscriptions.confirm(session=session, tokens=notify.tokens, token=token)


def comment(notify: Notify, *, comment_id: int = 2, commenter_id: int = 2,
            parent_id: int | None = 1, title: str = "Ferry line returns", nic: str = "Proc",
            body_html: str = "<p>Yes</p>", **extra: object) -> None:
    notify.handle(replies.on_comment_created, CommentCreated(
        comment_id=comment_id, article_id=1, article_title=title,
        article_url="https://burg.example/a/ferry", parent_id=parent_id,
        commenter_id=commenter_id, nic=nic, body_html=body_html,
        created_at=datetime(2025, 5, 4, tzinfo=UTC),
        parent_wants_replies=parent_id == 1, **extra), settings=notify.settings)


def replies_to(smtp: SMTPServer, email: str = FRANK) -> list[str]:
    return [m["Subject"] for m in smtp.recorder.to(email) if not m["Subject"].startswith("Confirm")]


def status(notify: Notify, key: str) -> Status:
    with notify.sessions() as session:
        return session.get_one(Delivery, key).status


def handled_by_notify(stack: Stack, comment_id: int) -> bool:
    """Whether notify has handled the comment.created event of `comment_id`."""
    rows = stack.sql("comments", "SELECT event_id, envelope FROM outbox "
                                 "WHERE type = 'comment.created'")
    ids = [event_id for event_id, raw in rows
           if as_json(raw)["data"]["comment_id"] == comment_id]
    return bool(ids) and bool(stack.sql("notify", "SELECT 1 FROM inbox WHERE event_id = :id",
                                        id=ids[0]))
