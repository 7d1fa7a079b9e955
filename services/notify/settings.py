"""Settings of the notify service, SMTP included (`BURG_NOTIFY_…`)."""

from shared.settings import ServiceSettings, env


class NotifySettings(ServiceSettings):
    service = "notify"
    database_url: str = env("NOTIFY_DATABASE_URL", "")
    smtp_host: str = env("NOTIFY_SMTP_HOST", "127.0.0.1", was="SMTP_HOST")
    smtp_port: int = env("NOTIFY_SMTP_PORT", 8025, was="SMTP_PORT")  # `make run`'s local sink
    smtp_starttls: bool = env("NOTIFY_SMTP_STARTTLS", False, was="SMTP_STARTTLS")
    smtp_ssl: bool = env("NOTIFY_SMTP_SSL", False, was="SMTP_SSL")
    smtp_user: str = env("NOTIFY_SMTP_USER", "", was="SMTP_USER")
    smtp_password: str = env("NOTIFY_SMTP_PASSWORD", "", was="SMTP_PASSWORD")
    # CAs to check the server's certificate with; empty: the system's.
    smtp_ca_file: str = env("NOTIFY_SMTP_CA_FILE", "", was="SMTP_CA_FILE")
    smtp_from: str = env("NOTIFY_SMTP_FROM", "Burg <noreply@burg.localhost>", was="SMTP_FROM")
    # The mailto: form of List-Unsubscribe names this address; mail to it must reach
    # `python -m services.notify.cli unsubscribe-mail` (an MTA alias pipe; `make run`'s sink
    # does it). Empty: unsubscribe@ the site's host name.
    unsubscribe_address: str = env("NOTIFY_UNSUBSCRIBE_ADDRESS", "")
    # A slow server is a temporary failure: each step of the SMTP conversation may wait
    # smtp_timeout seconds, the whole conversation smtp_total_seconds; then it is retried.
    smtp_timeout: float = env("NOTIFY_SMTP_TIMEOUT", 10.0, was="SMTP_TIMEOUT")
    smtp_total_seconds: float = env("NOTIFY_SMTP_TOTAL_SECONDS", 60.0, was="SMTP_TOTAL_SECONDS")
    # A sending thread keeps its SMTP connection for many messages: at most this many (a
    # server may limit them), and closes it once idle this long.
    smtp_messages_per_connection: int = env("NOTIFY_SMTP_MESSAGES_PER_CONNECTION", 100)
    smtp_idle_seconds: float = env("NOTIFY_SMTP_IDLE_SECONDS", 30.0)
    # Keys that sign confirmation and unsubscribe links, comma-separated, newest last: links
    # signed with an older key keep working while it is listed. Empty: a key made once and
    # kept in `<data_dir>/notify-secret.key` (fine on one machine; set this in production).
    secret_keys: str = env("NOTIFY_SECRET_KEYS", "")
    # Private keys that open the e-mail addresses the comments service seals for notify
    # (`shared/sealing.py`), comma-separated, newest last (give the comments service the
    # newest one's public key; keep older ones while events sealed to them may be queued).
    # Empty: the key pair `make run` keeps in `<data_dir>/notify-private.key`.
    private_keys: str = env("NOTIFY_PRIVATE_KEYS", "")
    confirm_days: int = env("NOTIFY_CONFIRM_DAYS", 7)  # a confirmation link works this long
    unsubscribe_days: int = env("NOTIFY_UNSUBSCRIBE_DAYS", 730)  # and an unsubscribe link
    # Flood control: at most this many reply e-mails per address per window; the rest wait
    # and go out together in one digest when the window has passed.
    max_per_window: int = env("NOTIFY_MAX_PER_WINDOW", 10, was="NOTIFY_MAX_PER_HOUR")
    window_seconds: float = env("NOTIFY_WINDOW_SECONDS", 3600)
    # A temporary SMTP failure is retried after retry_seconds, doubling up to an hour, at most
    # max_attempts times. A send that never reported back is up again after lease_seconds:
    # keep it well above smtp_total_seconds, or a slow send goes out twice (with the same
    # Message-ID).
    retry_seconds: float = env("NOTIFY_RETRY_SECONDS", 30)
    max_attempts: int = env("NOTIFY_MAX_ATTEMPTS", 10)
    lease_seconds: float = env("NOTIFY_LEASE_SECONDS", 300)
    # The worker's sending threads (apart from Celery's tasks, see `sender.py`): how many
    # e-mails go out at once, and how often an idle one looks for e-mails that are due. A
    # thread spends most of a message waiting on the SMTP server (four round trips) and on
    # its record's write: with 4, e-mails waited twice as long for a thread under a stream
    # of replies on a loaded machine as with 8 (`python -m bench.reply_mail`).
    send_threads: int = env("NOTIFY_SEND_THREADS", 8)
    send_poll_seconds: float = env("NOTIFY_SEND_POLL_SECONDS", 0.5)
    # A reply longer than this (in characters of text) is cut in the e-mail, with a link.
    max_reply_chars: int = env("NOTIFY_MAX_REPLY_CHARS", 3000)

