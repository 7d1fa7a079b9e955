"""The reply e-mail use case against a real SMTP server (aiosmtpd) and a real SQLite file:
one e-mail per reply and recipient, whatever is delivered twice."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from services.notify.models import NotifyTable, SentEmail
from services.notify.replies import on_comment_created, on_subscription_requested
from services.notify.settings import NotifySettings
from shared.db import create_schema, make_engine, make_session_factory
from shared.embedded_redis import free_port
from shared.events import CommentCreated, SubscriptionRequested
from shared.inbox import RetryLater


class Recorder(Sink):
    """Keeps every envelope the SMTP server accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def sessions(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'notify.db'}")
    create_schema(engine, NotifyTable.metadata)
    return make_session_factory(engine)


def reply(comment_id: int = 2, commenter_id: int = 2, **extra: object) -> CommentCreated:
    return CommentCreated(
        comment_id=comment_id, article_id=1, article_title="T", article_url="https://b.example/t",
        parent_id=1, commenter_id=commenter_id, nic="Proc", body_html="<p>Yes</p>",
        created_at=datetime(2025, 5, 4, tzinfo=UTC), **extra)


def subscribe(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        on_subscription_requested(session, SubscriptionRequested(
            comment_id=1, article_id=1, commenter_id=1, nic="Frank", email="frank@example.org"))
        session.commit()


def handle(sessions, settings: NotifySettings, event: CommentCreated) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        on_comment_created(session, event, settings=settings)
        session.commit()


def test_the_same_reply_handled_twice_sends_one_email(smtp, sessions) -> None:  # type: ignore[no-untyped-def]
    recorder, port = smtp
    settings = NotifySettings(smtp_port=port)
    subscribe(sessions)
    handle(sessions, settings, reply())
    handle(sessions, settings, reply())  # a redelivery that got past the inbox
    assert [to for _sender, to in recorder.received] == [["frank@example.org"]]
    with sessions() as session:
        sent = session.get(SentEmail, "reply:2:frank@example.org")
        assert sent is not None and sent.status == "sent"


def test_no_email_for_a_reply_to_oneself_or_to_someone_who_did_not_ask(smtp, sessions) -> None:  # type: ignore[no-untyped-def]
    recorder, port = smtp
    settings = NotifySettings(smtp_port=port)
    handle(sessions, settings, reply())  # nobody subscribed to comment 1
    subscribe(sessions)
    handle(sessions, settings, reply(comment_id=3, commenter_id=1))  # Frank answers himself
    assert recorder.received == []


def test_a_reply_that_overtakes_its_parents_subscription_waits_for_it(smtp, sessions) -> None:  # type: ignore[no-untyped-def]
    recorder, port = smtp
    settings = NotifySettings(smtp_port=port)
    with pytest.raises(RetryLater):
        handle(sessions, settings, reply(parent_wants_replies=True))
    subscribe(sessions)
    handle(sessions, settings, reply(parent_wants_replies=True))  # the retry
    assert len(recorder.received) == 1


def test_smtp_server_away_is_a_transient_fault(sessions) -> None:  # type: ignore[no-untyped-def]
    subscribe(sessions)
    with pytest.raises(ConnectionRefusedError):
        handle(sessions, NotifySettings(smtp_port=free_port()), reply())
    with sessions() as session:
        assert session.get(SentEmail, "reply:2:frank@example.org") is None


