"""`make run`'s SMTP sink keeps each message byte for byte as notify sent it (not parsed and
written again), in a Maildir that mail readers and the benches read, with aiosmtpd's trace
headers."""

import mailbox
import smtplib
from email import policy
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller

from devserver.mailsink import Sink
from services.notify import mailer
from services.notify.settings import NotifySettings
from shared.embedded_redis import free_port
from tests.notify.rawmail import sent_bytes


def test_the_sink_keeps_each_message_as_sent(tmp_path: Path) -> None:
    settings = NotifySettings(data_dir=tmp_path)
    message = mailer.build_message(
        settings=settings, to="frank@example.org", subject="Schöne Grüße " * 8,
        text="Hi\n.\n.starts with a dot\n" + "long line " * 30, html="<p>Hi</p>",
        message_id="<sink-1@burg.example>")
    port = free_port()
    controller = Controller(Sink(str(tmp_path / "mail")), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for _ in range(2):  # two messages on one connection: two files
                smtp.send_message(message)
    finally:
        controller.stop()
    kept = [bytes(m) for m in mailbox.Maildir(tmp_path / "mail").values()]
    assert len(kept) == 2
    sent = sent_bytes(message).replace(b"\r\n", b"\n")
    for raw in kept:
        trace, _, rest = raw.partition(b"X-RcptTo: frank@example.org\n")
        assert trace.startswith(b"X-Peer: ") and b"X-MailFrom: noreply@" in trace
        assert rest == sent
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert parsed["Subject"] == ("Schöne Grüße " * 8).strip()
        plain = parsed.get_body(preferencelist=("plain",))
        assert plain is not None and ".starts with a dot" in plain.get_content()
