"""Building and sending e-mail over SMTP. Every header line is written by
`services/notify/headers.py`: URLs and ids verbatim, text encoded, nothing able to inject one."""

import binascii
import functools
import re
import secrets
import select
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.policy import default as default_policy
from email.utils import parseaddr

from services.notify import smtp as bounded
from services.notify.headers import (
    LINE,
    Folded,
    ascii_address,
    body_text,
    mailbox,
    one_line,
    verbatim,
)
from services.notify.headers import text as text_header
from services.notify.settings import NotifySettings

QUIT_SECONDS = 2.0  # a goodbye waits no longer (the messages are all taken by then)


class _Policy(EmailPolicy):
    """`email.policy.default`, but how many of a header a message may have (which the email
    package asks for every header set) is looked up once per name: the default makes a new
    header class each time, which cost more than the rest of setting the header."""

    def header_max_count(self, name: str) -> int | None:
        return _max_count(name.lower())


@functools.cache
def _max_count(name: str) -> int | None:
    count: int | None = default_policy.header_max_count(name)
    return count


POLICY = _Policy()


def build_message(*, settings: NotifySettings, to: str, subject: str, text: str, html: str,
                  message_id: str, headers: dict[str, str] | None = None) -> EmailMessage:
    """A multipart (plain text + HTML) message. `subject` and the bodies may hold any text;
    `message_id` and `headers` (URLs, ids) go out verbatim and must be printable ASCII.
    Raises ValueError (or UnicodeError) if the message cannot be written: that is for good,
    never worth a retry, and it shows here rather than in the middle of an SMTP conversation.
    """
    from_header, sender = _sender(settings.smtp_from)
    # As set_content and add_alternative would make it, without their parsing of every MIME
    # header they write (which cost more than the rest of the message).
    boundary = f"==============={secrets.token_hex(16)}=="  # no body can hold it by chance
    top = [from_header, mailbox("To", ascii_address(to)),
           text_header("Subject", one_line(subject)), verbatim("Message-ID", message_id),
           verbatim("Auto-Submitted", "auto-generated"),
           *(verbatim(name, value) for name, value in (headers or {}).items()),
           verbatim("MIME-Version", "1.0"),
           verbatim("Content-Type", f'multipart/alternative; boundary="{boundary}"')]
    parts = [_text_part("plain", body_text(text)), _text_part("html", body_text(html))]
    message = Outgoing(policy=POLICY)
    for header in top:
        message[header.name] = header
    message.set_payload([part for part, _ in parts])
    # Written once, as SMTP carries it (what cannot be written fails now, as a build error).
    message.wire = _wire(top, [written for _, written in parts], boundary)
    message.envelope = (sender, ascii_address(to))
    return message


@functools.cache
def _sender(smtp_from: str) -> tuple[Folded, str]:
    """The From header and the envelope's sender, written once per setting."""
    return mailbox("From", smtp_from), parseaddr(smtp_from)[1]


def _text_part(subtype: str, text: str) -> tuple[EmailMessage, str]:
    """A UTF-8 text/`subtype` part of `text` (line breaks as `\\n`), encoded as set_content
    would: 7bit when every line is ASCII and short, else quoted-printable; and the part as
    the generator writes it (CRLF line ends)."""
    data = text.encode("utf-8")
    if data.isascii() and max(len(line) for line in data.split(b"\n")) <= LINE:
        encoding, body = "7bit", text
    else:
        encoding, body = "quoted-printable", binascii.b2a_qp(data, istext=True).decode("ascii")
    body = body if body.endswith("\n") else body + "\n"
    headers = (_TEXT_TYPES[subtype], _ENCODINGS[encoding])
    part = EmailMessage(policy=POLICY)
    for header in headers:
        part[header.name] = header
    part.set_payload(body)
    return part, f"{''.join(_folded(header) for header in headers)}{CRLF}{_lines(body)}"


# The part headers every message has, folded once.
_TEXT_TYPES = {subtype: verbatim("Content-Type", f'text/{subtype}; charset="utf-8"')
               for subtype in ("plain", "html")}
_ENCODINGS = {encoding: verbatim("Content-Transfer-Encoding", encoding)
              for encoding in ("7bit", "quoted-printable")}
_BREAK = re.compile(r"\r\n|\r|\n")  # what the email package's generator ends lines at
CRLF = "\r\n"


def _wire(headers: list[Folded], parts: list[str], boundary: str) -> bytes:
    """The bytes the email package's generator writes for a multipart message of these
    headers and (already written) parts, with CRLF line ends, as smtplib sends it; without
    its work of finding out what we already know (each part's type, the boundary, how
    each header folds). tests/notify/test_wire.py holds it to the generator's output."""
    delimiter = f"{CRLF}--{boundary}{CRLF}"
    return (f"{''.join(_folded(header) for header in headers)}{CRLF}--{boundary}{CRLF}"
            f"{delimiter.join(parts)}{CRLF}--{boundary}--{CRLF}").encode("ascii")


def _folded(header: Folded) -> str:
    return f"{CRLF.join(header.lines)}{CRLF}"


def _lines(body: str) -> str:
    """A body's lines as the generator writes them: each line break a CRLF."""
    return _BREAK.sub(CRLF, body)


class Outgoing(EmailMessage):
    """A message `build_message` made, with its bytes as they go out (CRLF line ends) and its
    envelope: flattening a message costs more than its whole SMTP conversation, so it is done
    once, not again by `smtplib.send_message`."""

    wire = b""
    envelope = ("", "")  # (sender, recipient)


def _transmit(smtp: bounded.Client, message: EmailMessage) -> None:
    if isinstance(message, Outgoing) and message.wire:
        sender, recipient = message.envelope
        smtp.sendmail(sender, [recipient], message.wire)
    else:
        smtp.send_message(message)


def send(settings: NotifySettings, message: EmailMessage,
         accepted: Callable[[], object] = lambda: None) -> None:
    """Send over SMTP (TLS or STARTTLS and login as configured) on a connection of its own;
    SMTP errors propagate, and TimeoutError if the server takes longer than `smtp_timeout` for
    a step or `smtp_total_seconds` for the whole conversation.

    `accepted` is called as soon as the server has taken the message (its 250 to the end of
    DATA), before the goodbye: a QUIT that fails or times out changes nothing.
    TLS checks the server's certificate and name, against the system's CAs or those in
    `smtp_ca_file` (smtplib's own default for implicit TLS checks neither).
    """
    connection = Connection(settings)
    try:
        connection.send(settings, message, accepted)
    finally:
        connection.close()


class Connection:
    """An SMTP connection kept for many messages (a sending thread's). After the server's 250
    to a message the session is back where a new one starts (RFC 5321, 4.1.1.4), so the next
    message follows at once; a connection the server has closed meanwhile (or said 421 on) is
    replaced first, and one found gone before the message's DATA began is replaced and the
    message sent on the new one: the server cannot have taken it. Nothing is sent twice here.
    Closed after an error, after `smtp_messages_per_connection` messages, and once idle for
    `smtp_idle_seconds`; each message's conversation (with the connect, TLS and login if it
    needs a new connection) has `smtp_total_seconds`."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self.smtp: bounded.Client | None = None
        self.sent = 0  # messages on this connection
        self.used = 0.0  # when it last took one (monotonic)

    def send(self, settings: NotifySettings, message: EmailMessage,
             accepted: Callable[[], object] = lambda: None) -> None:
        """Send as `mailer.send` does; `accepted` is called on the server's 250, and the
        connection stays open for the next message."""
        reused = self._usable()
        smtp = self.smtp if reused and self.smtp is not None else self._open(settings)
        smtp.deadline = time.monotonic() + settings.smtp_total_seconds
        try:
            try:
                _transmit(smtp, message)
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                if not (reused and _gone_before_data(smtp, exc)):
                    raise
                smtp = self._open(settings)  # the kept one had gone: the message, anew
                _transmit(smtp, message)
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            if bounded.timed_out(exc):
                raise TimeoutError(f"the SMTP server was too slow: {exc}") from exc
            raise
        self.sent, self.used = self.sent + 1, time.monotonic()
        try:
            accepted()
        finally:
            if self.sent >= settings.smtp_messages_per_connection:
                self.close()

    def close_if_idle(self) -> None:
        if self.smtp is not None and time.monotonic() - self.used > self.settings.smtp_idle_seconds:
            self.close()

    def close(self) -> None:
        """Say goodbye (briefly: nothing rides on it) and close."""
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            smtp.deadline = time.monotonic() + min(self.settings.smtp_timeout, QUIT_SECONDS)
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _usable(self) -> bool:
        """Whether the kept connection may take the next message: open, not idle too long,
        and the server has said nothing since (a 421, or the end of the connection)."""
        self.close_if_idle()
        if self.smtp is None or self.smtp.sock is None:
            return False
        if select.select([self.smtp.sock], [], [], 0)[0]:
            self._drop()
            return False
        return True

    def _open(self, settings: NotifySettings) -> bounded.Client:
        """A new connection, greeted, secured and logged in as configured."""
        self._drop()
        limits = {"timeout": settings.smtp_timeout, "total": settings.smtp_total_seconds}
        smtp: bounded.Client = (bounded.SMTP_SSL(context=_tls(settings.smtp_ca_file), **limits)
                                if settings.smtp_ssl else bounded.SMTP(**limits))
        try:
            smtp.connect(settings.smtp_host, settings.smtp_port)
            if settings.smtp_starttls and not settings.smtp_ssl:
                smtp.starttls(context=_tls(settings.smtp_ca_file))
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            if bounded.timed_out(exc):
                raise TimeoutError(f"the SMTP server was too slow: {exc}") from exc
            raise
        self.smtp, self.sent, self.used = smtp, 0, time.monotonic()
        return smtp

    def _drop(self) -> None:
        """Close without a word: after an error, the conversation's state is unknown."""
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            smtp.close()


def _gone_before_data(smtp: bounded.Client, exc: BaseException) -> bool:
    """Whether a kept connection turned out closed (or closing: 421) before the message's
    DATA began, so that the server cannot have the message."""
    if smtp.data_begun or bounded.timed_out(exc):
        return False
    return (isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError))
            or getattr(exc, "smtp_code", None) == 421)


@functools.cache
def _tls(ca_file: str) -> ssl.SSLContext:
    # Made once per process: loading the system's CAs costs more than a whole SMTP
    # conversation. A changed CA file is read after the worker restarts; a missing one
    # fails each send (retried, then given up on) and says so in the log.
    return ssl.create_default_context(cafile=ca_file or None)
