"""The e-mails notify sends, built from a delivery's stored content: a reply (or a new comment
in a followed thread), a digest of replies over the hourly limit, a confirmation request, and
recovery links (asked for at `/me/recover`; their codes stored sealed, opened here).

Stored content may hold any text (an old event, a title from before input was checked): every
string of it is made writable first (`headers.body_text`), titles are cut to one line for the
subject (`headers.one_line`), and `mailer` writes every header line. The reply's HTML is
sanitised again with the site's allowlist.
"""

import hashlib
import html
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from services.notify import mailer
from services.notify.headers import body_text, one_line
from services.notify.models import Address, Delivery, Kind
from services.notify.settings import NotifySettings
from services.notify.tokens import Purpose, Tokens
from shared.events import RecoveryCodes, as_utc, utcnow
from shared.markup.sanitise import sanitise
from shared.markup.summary import html_text
from shared.sealing import key_list, unseal

LINE = 150  # characters of a title or nic shown in a subject or sentence (then an ellipsis)


def message_id(settings: NotifySettings, key: str) -> str:
    """A Message-ID derived from the idempotency key: a duplicate send carries the same one."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{host(settings)}>"


def host(settings: NotifySettings) -> str:
    return urlsplit(settings.site_url).hostname or "burg.localhost"


def build(settings: NotifySettings, tokens: Tokens, delivery: Delivery,
          address: Address) -> EmailMessage:
    """The e-mail `delivery` stands for, to `address`."""
    assert address.id is not None
    if delivery.kind == Kind.confirm:
        link = _link(settings, "confirm", tokens.make(Purpose.confirm, address.id, address.email))
        return mailer.build_message(
            settings=settings, to=address.email, message_id=delivery.message_id,
            subject=f"Confirm your e-mail address for {host(settings)}",
            text=(f"Someone, hopefully you, asked for e-mail from {host(settings)} when people "
                  f"reply to their comments, at this address.\n\nTo confirm, open this link and "
                  f"press the button:\n{link}\n\nIf it was not you, ignore this e-mail: "
                  "nothing more will come.\n"),
            html=(f"<p>Someone, hopefully you, asked for e-mail from {html.escape(host(settings))}"
                  " when people reply to their comments, at this address.</p>"
                  f'<p><a href="{html.escape(link)}">Confirm this address</a></p>'
                  "<p>If it was not you, ignore this e-mail: nothing more will come.</p>"))
    if delivery.kind == Kind.recovery:
        return _recovery(settings, delivery, address)
    unsubscribe = tokens.make(Purpose.unsubscribe, address.id, address.email)
    headers = _list_headers(settings, unsubscribe)
    content = _writable(delivery.content)
    if delivery.kind == Kind.digest:
        items = list(content["items"])
        replies = "reply" if len(items) == 1 else "replies"
        subject = f"{len(items)} more {replies} to your comments on {host(settings)}"
        parts = [_reply(settings, item) for item in items]
        text = "".join(plain + "\n---\n\n" for plain, _ in parts)
        body = "".join(part + "<hr>" for _, part in parts)
    else:
        thread = f"<thread-{content['article_id']}@{host(settings)}>"
        headers |= {"In-Reply-To": thread, "References": thread}
        subject = _subject(content)
        text, body = _reply(settings, content)
    link = _link(settings, "unsubscribe", unsubscribe)
    return mailer.build_message(
        settings=settings, to=address.email, subject=subject, message_id=delivery.message_id,
        headers=headers,
        text=f"{text}\nNo more of these e-mails: {link}\n",
        html=f'{body}<p><small><a href="{html.escape(link)}">No more of these e-mails</a>'
             "</small></p>")


def recovery_links(settings: NotifySettings, request_id: str,
                   sealed: str) -> tuple[list[tuple[str, str]], datetime]:
    """The (nic, code) pairs sealed in a `recovery.codes`, and when they stop working
    (Unsealable if no key of ours opens them)."""
    opened = unseal(key_list(settings.private_keys), sealed, RecoveryCodes.context(request_id))
    pairs = [(str(link["nic"]), str(link["code"])) for link in opened["links"]]
    return pairs, as_utc(datetime.fromisoformat(str(opened["expires_at"])))


def _recovery(settings: NotifySettings, delivery: Delivery, address: Address) -> EmailMessage:
    """One link per commenter who gave this address. Links that expired while the e-mail
    waited (a long SMTP outage) are not worth sending: ValueError, and the delivery fails."""
    pairs, expires_at = recovery_links(settings, str(delivery.content["request_id"]),
                                       str(delivery.content["sealed"]))
    if expires_at <= utcnow():
        raise ValueError("the recovery links expired before the e-mail could go out")
    site, until = host(settings), expires_at.strftime("%H:%M UTC")
    texts, items = [], []
    for nic, code in pairs:
        link = f"{settings.site_url.rstrip('/')}/me/recover?{urlencode({'code': code})}"
        shown = f"\u201c{one_line(nic, limit=LINE)}\u201d"
        texts.append(f"To comment as {shown} again, open this link and press the button:\n"
                     f"{link}\n")
        items.append(f'<li><a href="{html.escape(link)}">Comment as {html.escape(shown)} '
                     "again</a></li>")
    return mailer.build_message(
        settings=settings, to=address.email, message_id=delivery.message_id,
        subject=f"Your recovery link for {site}",
        text=(f"Someone, hopefully you, asked {site} for a link that brings your nics back "
              f"in a new browser.\n\n{''.join(texts)}\nA link works once, until {until}. If "
              "it was not you, ignore this e-mail: nothing changes.\n"),
        html=(f"<p>Someone, hopefully you, asked {html.escape(site)} for a link that brings "
              f"your nics back in a new browser.</p><ul>{''.join(items)}</ul>"
              f"<p>A link works once, until {until}. If it was not you, ignore this e-mail: "
              "nothing changes.</p>"))


def _subject(content: dict[str, Any]) -> str:
    # The same subject for every e-mail of one thread, so that mail clients keep them together.
    what = "New comment" if content.get("follows_thread") else "New reply"
    return f"{what} on \u201c{_line(content, 'article_title')}\u201d"


def _writable(value: Any) -> Any:
    """Stored content with every string as a body can carry it (nh3 and the encoders refuse
    lone surrogates); header text is cut further where it is used."""
    if isinstance(value, str):
        return body_text(value)
    if isinstance(value, dict):
        return {key: _writable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_writable(item) for item in value]
    return value


def _reply(settings: NotifySettings, content: dict[str, Any]) -> tuple[str, str]:
    """One reply's part of an e-mail, as (plain text, HTML); its text is read from the HTML
    once, for both."""
    text, cut = _cut(settings, html_text(content["body_html"]))
    link = _reply_link(settings, content)
    more = f"\n[…] The rest: {link}\n" if cut else ""
    plain = (f"Hello {_line(content, 'recipient_nic')},\n\n{_what_happened(content)}:\n\n"
             f"{text}{more}\n\nRead it on the site: {link}\n")
    if cut:  # HTML cannot be cut safely: the text instead, and the rest on the site
        reply = (f"<p>{html.escape(text).replace(chr(10), '<br>')} […]</p>"
                 f'<p><a href="{html.escape(link)}">Read the rest</a></p>')
    else:
        reply = sanitise(content["body_html"])
    return plain, (f"<p>Hello {html.escape(_line(content, 'recipient_nic'))},</p>"
                   f"<p>{html.escape(_what_happened(content))}:</p>"
                   f"<blockquote>{reply}</blockquote>"
                   f'<p><a href="{html.escape(link)}">Read it on the site</a></p>')


def _what_happened(content: dict[str, Any]) -> str:
    title, nic = f"\u201c{_line(content, 'article_title')}\u201d", _line(content, "replier_nic")
    if content.get("follows_thread"):
        return f"{nic} commented on {title}"
    return f"{nic} replied to your comment on {title}"


def _line(content: dict[str, Any], field: str) -> str:
    """A title or nic as one line (whatever breaks it up), cut to `LINE` characters."""
    return one_line(content[field], limit=LINE)


def _reply_link(settings: NotifySettings, content: dict[str, Any]) -> str:
    """The comment's permalink on the site, which opens the page of its thread holding it."""
    return f"{settings.site_url.rstrip('/')}/comments/{int(content['comment_id'])}"


def _cut(settings: NotifySettings, text: str) -> tuple[str, bool]:
    limit = settings.max_reply_chars
    if len(text) <= limit:
        return text, False
    return text[:limit].rsplit(" ", 1)[0], True


def _link(settings: NotifySettings, page: str, token: str) -> str:
    """A link to the site's confirm or unsubscribe page (`services/web/subscriptions.py`)."""
    return f"{settings.site_url.rstrip('/')}/subscriptions/{page}?{urlencode({'token': token})}"


def unsubscribe_address(settings: NotifySettings) -> str:
    """Where the mailto: form of List-Unsubscribe sends (see `services/notify/inbound.py`)."""
    return settings.unsubscribe_address or f"unsubscribe@{host(settings)}"


def _list_headers(settings: NotifySettings, token: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: one-click unsubscribe by POST to the https link, or by a mail
    whose subject carries the token, for clients that only know mailto:."""
    mailto = (f"mailto:{unsubscribe_address(settings)}?"
              f"{urlencode({'subject': f'unsubscribe {token}'}, quote_via=quote)}")
    return {"List-Id": f"Replies <replies.{host(settings)}>",
            "List-Unsubscribe": f"<{_link(settings, 'unsubscribe', token)}>, <{mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
