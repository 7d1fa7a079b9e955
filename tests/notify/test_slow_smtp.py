"""A slow SMTP server is a temporary failure: a server answering a byte at a time ends the
conversation at its deadline (the worker then tries again: `test_worker.py`). The server's
acceptance is recorded before the goodbye."""

import threading
from pathlib import Path

import pytest

from services.notify import mailer, messages, subscriptions
from services.notify.models import Delivery, Kind, Status
from services.notify.settings import NotifySettings
from tests.notify.conftest import Notify, SMTPServer
from tests.notify.slow_smtp import SlowSMTP

FRANK = "frank@example.org"


def test_a_server_answering_a_byte_at_a_time_times_out_at_the_deadline(
        tmp_path: Path, smtp: SMTPServer) -> None:
    settings = NotifySettings(data_dir=tmp_path, smtp_timeout=5, smtp_total_seconds=1.5)
    message = mailer.build_message(settings=settings, to=FRANK, subject="Hi", text="Hi",
                                   html="<p>Hi</p>", message_id="<slow@burg.example>")
    # Each byte comes well within the 5 s for one step; the greeting never ends.
    with SlowSMTP(smtp.port, every=0.3, give_up=30) as slow:
        settings.smtp_port = slow.port
        with pytest.raises(TimeoutError):
            mailer.send(settings, message)
        assert slow.dribbling.is_set()
    assert smtp.recorder.messages == []


def test_the_acceptance_is_recorded_before_the_goodbye(notify: Notify, smtp: SMTPServer) -> None:
    with notify.sessions() as session:
        address = subscriptions.address_for(session=session, email=FRANK)
        assert address.id is not None
        key = f"confirm:{address.id}:today"
        session.add(Delivery(key=key, kind=Kind.confirm, address_id=address.id,
                             message_id=messages.message_id(notify.settings, key)))
        session.commit()
    smtp.recorder.hold_quit = release = threading.Event()
    sending = threading.Thread(target=notify.deliveries.deliver, args=(key,))
    sending.start()
    try:
        assert smtp.recorder.quit_seen.wait(30), "the sender never said goodbye"
        with notify.sessions() as session:  # the server has not answered QUIT yet
            assert session.get_one(Delivery, key).status == Status.sent
    finally:
        release.set()
        sending.join(30)
