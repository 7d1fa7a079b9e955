"""Building and sending e-mail over SMTP, with header values that cannot inject headers."""

import functools
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr

from services.notify.settings import NotifySettings

# Control characters and RFC 2047 encoded words: either could smuggle a header in (CVE-2024-6923).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]|=\?[^?]*\?[^?]*\?[^?]*\?=")


def header_safe(value: str, limit: int = 200) -> str:
    """`value` made safe for an e-mail header: no line breaks, controls or encoded words."""
    return _UNSAFE.sub(" ", value).strip()[:limit]


def build_message(*, settings: NotifySettings, to: str, subject: str, text: str, html: str,
                  message_id: str, headers: dict[str, str] | None = None) -> EmailMessage:
    """A multipart (plain text + HTML) message; every header value is made safe first."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = header_safe(parseaddr(to)[1])
    message["Subject"] = header_safe(subject)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = header_safe(value, limit=1000)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send(settings: NotifySettings, message: EmailMessage) -> None:
    """Send over SMTP (TLS or STARTTLS and login as configured); SMTP errors propagate.

    TLS checks the server's certificate and name, against the system's CAs or those in
    `smtp_ca_file` (smtplib's own default for implicit TLS checks neither).
    """
    if settings.smtp_ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                              timeout=settings.smtp_timeout,
                                              context=_tls(settings.smtp_ca_file))
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    with smtp:
        if settings.smtp_starttls and not settings.smtp_ssl:
            smtp.starttls(context=_tls(settings.smtp_ca_file))
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


@functools.cache
def _tls(ca_file: str) -> ssl.SSLContext:
    # Made once per process: loading the system's CAs costs more than a whole SMTP
    # conversation. A changed CA file is read after the worker restarts; a missing one
    # fails each send (retried, then given up on) and says so in the log.
    return ssl.create_default_context(cafile=ca_file or None)
