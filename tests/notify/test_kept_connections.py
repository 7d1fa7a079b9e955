"""The sending threads' SMTP connections, against a real SMTP server (aiosmtpd): one
connection carries many messages; one the server closed, or said 421 on, is replaced without
losing or doubling a message; the server's limit of messages per connection and an idle
connection's end are kept; and a commit in a process forked from the sender's (a worker's
pool child) wakes it at once."""

import os
import time
from pathlib import Path

from sqlmodel import select

from services.notify import mailer, messages
from services.notify.bootstrap import bootstrap
from services.notify.models import Address, Consent, Delivery, Kind, Status
from services.notify.settings import NotifySettings
from shared.sealing import new_private_key
from tests.conftest import wait_for
from tests.databases import database_url, migrated
from tests.notify.conftest import SMTPServer
from tests.notify.rawmail import sent_bytes

FRANK = "frank@example.org"


def settings_for(smtp: SMTPServer, tmp_path: Path, **changes: object) -> NotifySettings:
    return NotifySettings(smtp_port=smtp.port, data_dir=tmp_path, smtp_timeout=5,
                          **changes)  # type: ignore[arg-type]


def message(settings: NotifySettings, n: int) -> mailer.EmailMessage:
    return mailer.build_message(settings=settings, to=FRANK, subject=f"Hi {n}", text="Hi",
                                html="<p>Hi</p>", message_id=f"<kept-{n}@burg.example>")


def send(connection: mailer.Connection, settings: NotifySettings, n: int) -> int:
    """Send message `n`; how many times the server's acceptance was reported."""
    accepted: list[int] = []
    connection.send(settings, message(settings, n), lambda: accepted.append(n))
    return len(accepted)


def subjects(smtp: SMTPServer) -> list[str]:
    return [m["Subject"] for m in smtp.recorder.messages]


def test_one_connection_carries_many_messages(tmp_path: Path, smtp: SMTPServer) -> None:
    settings = settings_for(smtp, tmp_path)
    connection = mailer.Connection(settings)
    assert [send(connection, settings, n) for n in range(5)] == [1] * 5
    assert len(set(smtp.recorder.peers)) == 1 and smtp.recorder.quits == 0
    connection.close()
    wait_for(lambda: smtp.recorder.quits == 1, what="the goodbye")
    assert subjects(smtp) == [f"Hi {n}" for n in range(5)]


def test_a_connection_the_server_closed_is_replaced(tmp_path: Path, smtp: SMTPServer) -> None:
    settings = settings_for(smtp, tmp_path)
    connection = mailer.Connection(settings)
    assert send(connection, settings, 1) == 1
    smtp.stop()  # the server goes away (it closes the connection), then is back
    smtp.start()
    assert send(connection, settings, 2) == 1
    connection.close()
    assert subjects(smtp) == ["Hi 1", "Hi 2"]
    first, second = smtp.recorder.peers
    assert first != second


def test_a_421_before_the_message_is_sent_anew_on_a_new_connection(
        tmp_path: Path, smtp: SMTPServer) -> None:
    """A kept connection the server has given up on (it says 421 to MAIL: the message never
    reached it) is replaced, and the message goes out once, on the new connection."""
    settings = settings_for(smtp, tmp_path)
    connection = mailer.Connection(settings)
    assert send(connection, settings, 1) == 1
    smtp.recorder.refuse_mail = ["421 4.4.2 idle too long, closing"]
    assert send(connection, settings, 2) == 1
    assert subjects(smtp) == ["Hi 1", "Hi 2"]
    first, second = smtp.recorder.peers
    assert first != second
    connection.close()


def test_a_refusal_on_a_new_connection_is_the_send_s_outcome(
        tmp_path: Path, smtp: SMTPServer) -> None:
    """On a connection just opened there is nothing to replace: a 421 is a temporary failure
    (the delivery is tried again later), and nothing was sent."""
    settings = settings_for(smtp, tmp_path)
    connection = mailer.Connection(settings)
    smtp.recorder.refuse_mail = ["421 4.3.2 not now"]
    try:
        send(connection, settings, 1)
    except mailer.smtplib.SMTPSenderRefused as exc:
        assert exc.smtp_code == 421
    else:
        raise AssertionError("the 421 was not reported")
    assert smtp.recorder.messages == []
    assert send(connection, settings, 2) == 1  # and the next one goes out
    connection.close()


def test_the_messages_per_connection_and_idle_time_are_kept(
        tmp_path: Path, smtp: SMTPServer) -> None:
    settings = settings_for(smtp, tmp_path, smtp_messages_per_connection=2,
                            smtp_idle_seconds=2)
    connection = mailer.Connection(settings)
    for n in range(5):
        send(connection, settings, n)
    assert len(set(smtp.recorder.peers)) == 3
    wait_for(lambda: smtp.recorder.quits == 2, what="two connections ended after 2 messages")
    connection.close_if_idle()
    assert connection.smtp is not None  # not idle long enough yet
    time.sleep(2.1)
    connection.close_if_idle()
    wait_for(lambda: smtp.recorder.quits == 3, what="the idle connection's goodbye")


def test_the_sending_threads_keep_their_connections_and_are_woken_from_a_forked_process(
        tmp_path: Path, smtp: SMTPServer, redis_url: str) -> None:
    """Twelve e-mails stored without a wake-up (as a pool child's commit would, seen from
    the worker's main process) wait for the poll, 60 s away; a wake-up from a forked process
    sends them at once, over no more connections than there are threads, each once."""
    service = bootstrap(database_url=migrated("notify", database_url(tmp_path, "notify")),
                        redis_url=redis_url, site_url="https://burg.example",
                        smtp_port=smtp.port, data_dir=tmp_path, private_keys=new_private_key(),
                        send_threads=3, send_poll_seconds=60)
    sender = service.sender
    sender.start()
    try:
        time.sleep(1)  # the threads have looked once, found nothing, and wait for the poll
        with service.runtime.sessions() as session:
            address = Address(email=FRANK, consent=Consent.confirmed)
            session.add(address)
            session.flush()
            assert address.id is not None
            for n in range(12):
                key = f"confirm:{address.id}:{n}"
                session.add(Delivery(key=key, kind=Kind.confirm, address_id=address.id,
                                     message_id=messages.message_id(service.settings, key)))
            session.commit()
        time.sleep(1)
        assert smtp.recorder.messages == []
        if (child := os.fork()) == 0:  # what the pool child's commit does
            sender.wake()
            os._exit(0)
        os.waitpid(child, 0)
        # Within 20 s, where the poll is 60 s away: only the wake-up can have sent them.
        wait_for(lambda: len(smtp.recorder.messages) == 12, timeout=20, what="12 e-mails")
        assert len(set(smtp.recorder.peers)) <= 3
        assert len({m["Message-ID"] for m in smtp.recorder.messages}) == 12

        def recorded() -> set[tuple[Status, int]]:
            with service.runtime.sessions() as session:
                return {(row.status, row.attempts) for row in session.exec(select(Delivery))}

        # The sink has a message before the sender has read its 250 and recorded it; each
        # was sent at the first attempt.
        wait_for(lambda: {status for status, _ in recorded()} == {Status.sent}, timeout=20,
                 what="12 e-mails recorded as sent")
        assert recorded() == {(Status.sent, 1)}
    finally:
        sender.stop(10)
        service.runtime.engine.dispose()
    assert not any(thread.is_alive() for thread in sender.threads)


def test_a_message_goes_out_as_built_and_flattened_once(tmp_path: Path, smtp: SMTPServer) -> None:
    settings = settings_for(smtp, tmp_path)
    built = message(settings, 1)
    assert isinstance(built, mailer.Outgoing)
    assert built.wire == sent_bytes(built)  # what smtplib's send_message would have sent
    assert built.envelope == ("noreply@burg.localhost", FRANK)
    connection = mailer.Connection(settings)
    connection.send(settings, built)
    connection.close()
    [(recipients, raw)] = smtp.recorder.received
    assert recipients == [FRANK] and raw == built.wire
