"""Building and sending e-mail over SMTP. Every header line is written by
`services/notify/headers.py`: URLs and ids verbatim, text encoded, nothing able to inject one."""

import functools
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage

from services.notify import smtp as bounded
from services.notify.headers import ascii_address, body_text, mailbox, one_line, verbatim
from services.notify.headers import text as text_header
from services.notify.settings import NotifySettings


def build_message(*, settings: NotifySettings, to: str, subject: str, text: str, html: str,
                  message_id: str, headers: dict[str, str] | None = None) -> EmailMessage:
    """A multipart (plain text + HTML) message. `subject` and the bodies may hold any text;
    `message_id` and `headers` (URLs, ids) go out verbatim and must be printable ASCII.
    Raises ValueError (or UnicodeError) if the message cannot be written: that is for good,
    never worth a retry, and it shows here rather than in the middle of an SMTP conversation.
    """
    message = EmailMessage()
    message["From"] = mailbox("From", settings.smtp_from)
    message["To"] = mailbox("To", ascii_address(to))
    message["Subject"] = text_header("Subject", one_line(subject))
    message["Message-ID"] = verbatim("Message-ID", message_id)
    message["Auto-Submitted"] = verbatim("Auto-Submitted", "auto-generated")
    for name, value in (headers or {}).items():
        message[name] = verbatim(name, value)
    message.set_content(body_text(text))
    message.add_alternative(body_text(html), subtype="html")
    message.as_bytes()  # what cannot be written fails now, as a build error
    return message


def send(settings: NotifySettings, message: EmailMessage,
         accepted: Callable[[], object] = lambda: None) -> None:
    """Send over SMTP (TLS or STARTTLS and login as configured); SMTP errors propagate, and
    TimeoutError if the server takes longer than `smtp_timeout` for a step or
    `smtp_total_seconds` for the whole conversation.

    `accepted` is called as soon as the server has taken the message (its 250 to the end of
    DATA), before the goodbye: a QUIT that fails or times out changes nothing.
    TLS checks the server's certificate and name, against the system's CAs or those in
    `smtp_ca_file` (smtplib's own default for implicit TLS checks neither).
    """
    limits = {"timeout": settings.smtp_timeout, "total": settings.smtp_total_seconds}
    smtp: smtplib.SMTP = (bounded.SMTP_SSL(context=_tls(settings.smtp_ca_file), **limits)
                          if settings.smtp_ssl else bounded.SMTP(**limits))
    try:
        smtp.connect(settings.smtp_host, settings.smtp_port)
        if settings.smtp_starttls and not settings.smtp_ssl:
            smtp.starttls(context=_tls(settings.smtp_ca_file))
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        smtp.close()
        if bounded.timed_out(exc):
            raise TimeoutError(f"the SMTP server was too slow: {exc}") from exc
        raise
    try:
        accepted()
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):  # the message is taken: goodbye or not
            smtp.close()


@functools.cache
def _tls(ca_file: str) -> ssl.SSLContext:
    # Made once per process: loading the system's CAs costs more than a whole SMTP
    # conversation. A changed CA file is read after the worker restarts; a missing one
    # fails each send (retried, then given up on) and says so in the log.
    return ssl.create_default_context(cafile=ca_file or None)
