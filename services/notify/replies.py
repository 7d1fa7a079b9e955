"""Use cases of the notify service: reply subscriptions and the reply e-mail."""

import hashlib
import html
import logging
import re
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from urllib.parse import urlsplit

from sqlmodel import Session, select

from services.notify import mailer
from services.notify.models import SentEmail, Subscription
from services.notify.settings import NotifySettings
from shared.events import CommentCreated, SubscriptionRequested
from shared.inbox import RetryLater

log = logging.getLogger(__name__)

Sender = Callable[[NotifySettings, EmailMessage], None]


def on_subscription_requested(session: Session, event: SubscriptionRequested) -> None:
    """Remember that the author of a comment wants e-mail when someone replies to it."""
    if session.exec(select(Subscription)
                    .where(Subscription.comment_id == event.comment_id)).first():
        return
    session.add(Subscription(comment_id=event.comment_id, article_id=event.article_id,
                             commenter_id=event.commenter_id, nic=event.nic,
                             email=event.email))


def on_comment_created(session: Session, event: CommentCreated, *, settings: NotifySettings,
                       send: Sender = mailer.send) -> None:
    """E-mail the author of the parent comment about this reply, once, if they asked to.

    The idempotency key is reply id + recipient: once a send is recorded under it, a
    redelivered event sends nothing. Temporary SMTP failures retry; permanent ones are
    recorded and not retried.
    """
    if event.parent_id is None:
        return
    subscription = session.exec(select(Subscription).where(
        Subscription.comment_id == event.parent_id, Subscription.active)).first()
    if subscription is None and event.parent_wants_replies:
        raise RetryLater(f"the subscription for comment {event.parent_id} has not arrived yet")
    if subscription is None or subscription.commenter_id == event.commenter_id:
        return  # nobody asked, or they replied to themselves
    key = f"reply:{event.comment_id}:{subscription.email}"
    if session.get(SentEmail, key) is not None:
        return
    message = reply_message(settings, event, subscription, message_id=_message_id(settings, key))
    try:
        send(settings, message)
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as exc:
        # Our own configuration is wrong, not the address: retry, then keep it for replay.
        raise RetryLater(f"SMTP refused us: {exc.smtp_code} {exc.smtp_error!r}") from exc
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise RetryLater(f"SMTP said {exc.smtp_code}: {exc.smtp_error!r}") from exc
        _record(session, key, message, status="failed", error=f"{exc.smtp_code} {exc.smtp_error!r}")
        return
    except smtplib.SMTPRecipientsRefused as exc:
        _record(session, key, message, status="failed", error=repr(exc.recipients))
        return
    _record(session, key, message, status="sent")
    log.info("reply e-mail for comment %s sent (%s)", event.comment_id, message["Message-ID"])


def reply_message(settings: NotifySettings, event: CommentCreated, subscription: Subscription,
                  *, message_id: str) -> EmailMessage:
    """The e-mail telling `subscription`'s author about the reply `event`."""
    link = f"{event.article_url}#comment-{event.comment_id}"
    title = mailer.header_safe(event.article_title)
    reply_text = html.unescape(re.sub(r"<[^>]+>", "", event.body_html.replace("<br>", "\n")))
    text = (f"Hello {subscription.nic},\n\n{event.nic} replied to your comment on "
            f"\u201c{title}\u201d:\n\n{reply_text}\n\nRead the reply: {link}\n")
    body = (f"<p>Hello {html.escape(subscription.nic)},</p>"
            f"<p>{html.escape(event.nic)} replied to your comment on "
            f"\u201c{html.escape(title)}\u201d:</p>"
            f"<blockquote>{event.body_html}</blockquote>"
            f'<p><a href="{html.escape(link)}">Read the reply</a></p>')
    thread = f"<thread-{event.article_id}@{_host(settings)}>"
    return mailer.build_message(
        settings=settings, to=subscription.email, subject=f"New reply on \u201c{title}\u201d",
        text=text, html=body, message_id=message_id,
        headers={"In-Reply-To": thread, "References": thread})


def _message_id(settings: NotifySettings, key: str) -> str:
    """A Message-ID derived from the idempotency key, so a duplicate send carries the same one."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{_host(settings)}>"


def _host(settings: NotifySettings) -> str:
    return urlsplit(settings.site_url).hostname or "burg.localhost"


def _record(session: Session, key: str, message: EmailMessage, *, status: str,
            error: str | None = None) -> None:
    session.add(SentEmail(key=key, message_id=str(message["Message-ID"]),
                          recipient=str(message["To"]), status=status, error=error))
