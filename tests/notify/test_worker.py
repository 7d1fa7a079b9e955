"""The real notify worker (`celery -A services.notify.worker`) and a real SMTP server: a worker
child killed while its e-mail is under way, and an SMTP server that is down, then back. Exactly
one e-mail each time, with the Message-ID its key gives."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest

from services.notify import messages
from services.notify.models import Address, Consent, Delivery, Status, Subscription
from services.notify.settings import NotifySettings
from shared.celery_app import make_celery
from shared.embedded_redis import EmbeddedRedis, free_port
from shared.events import CommentCreated, Envelope
from shared.settings import Settings
from tests.conftest import wait_for
from tests.databases import database_url
from tests.notify.conftest import SMTPServer, make_notify
from tests.notify.rawmail import check_raw

FRANK = "frank@example.org"
LEASE = 3  # seconds before a send that never reported back is up again


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis").start()
    yield server
    server.stop()


def start_worker(tmp_path: Path, redis: EmbeddedRedis, smtp_port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    env = dict(os.environ, BURG_DATA_DIR=str(tmp_path), BURG_REDIS_URL=redis.url,
               BURG_NOTIFY_DATABASE_URL=database_url(tmp_path, "notify"),
               BURG_SMTP_PORT=str(smtp_port), BURG_SITE_URL="https://burg.example",
               BURG_OUTBOX_SWEEP_SECONDS="0.5", BURG_NOTIFY_LEASE_SECONDS=str(LEASE),
               BURG_NOTIFY_RETRY_SECONDS="0.5", BURG_SMTP_TIMEOUT="60")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "services.notify.worker", "worker", "-Q",
         "notify", "--concurrency", "1", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "INFO"],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "worker.log").open("wb"))


def seed(tmp_path: Path, smtp_port: int) -> None:
    """A confirmed address that asked for replies to comment 1."""
    notify = make_notify(tmp_path, smtp_port)
    with notify.sessions() as session:
        address = Address(email=FRANK, consent=Consent.confirmed)
        session.add(address)
        session.flush()
        assert address.id is not None
        session.add(Subscription(comment_id=1, article_id=1, commenter_id=1, nic="Frank",
                                 address_id=address.id))
        session.commit()


def send_reply(redis: EmbeddedRedis, **changes: Any) -> None:
    """comment.created for a reply to comment 1, as the comments service's outbox sends it."""
    values: dict[str, Any] = {
        "comment_id": 2, "article_id": 1, "article_title": "Ferry line returns",
        "article_url": "https://burg.example/a/ferry", "parent_id": 1, "commenter_id": 2,
        "nic": "Proc", "body_html": "<p>Yes</p>", "created_at": datetime(2025, 5, 4, tzinfo=UTC),
        "parent_wants_replies": True}
    event = CommentCreated(**values | changes)
    make_celery("notify", Settings(), redis.url).send_task(
        "notify.handle_event", args=[Envelope.wrap(event, producer="test").model_dump(mode="json")],
        queue="notify")


def delivery(tmp_path: Path, key: str = "reply:2:1") -> Delivery | None:
    with make_notify(tmp_path, 0).sessions() as session:
        return session.get(Delivery, key)


def stop(worker: subprocess.Popen) -> None:  # type: ignore[type-arg]
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()


def test_a_worker_killed_mid_send_leads_to_exactly_one_email(
        tmp_path: Path, redis: EmbeddedRedis, smtp: SMTPServer) -> None:
    seed(tmp_path, smtp.port)
    smtp.recorder.stall_rcpt = 60  # the first send hangs after RCPT TO, before any DATA
    worker = start_worker(tmp_path, redis, smtp.port)
    try:
        send_reply(redis)
        assert smtp.recorder.rcpt_seen.wait(60), "the worker never reached the SMTP server"
        [child] = psutil.Process(worker.pid).children()  # the pool process doing the send
        child.kill()
        wait_for(lambda: smtp.recorder.to(FRANK), timeout=60, what="the e-mail, sent again")
        row = wait_for(lambda: (d := delivery(tmp_path)) and d.status == Status.sent and d,
                       what="the send recorded")
        assert row.attempts == 2
        # Another lease and more rounds later, still the one e-mail.
        wait_for(lambda: len(psutil.Process(worker.pid).children()) == 1, what="a new child")
        time.sleep(LEASE + 1)
        [mail] = smtp.recorder.to(FRANK)
        site = NotifySettings(site_url="https://burg.example")
        assert mail["Message-ID"] == messages.message_id(site, "reply:2:1")
    finally:
        stop(worker)


def test_smtp_down_then_back_leads_to_exactly_one_email(
        tmp_path: Path, redis: EmbeddedRedis) -> None:
    port = free_port()  # nothing listens here yet
    seed(tmp_path, port)
    worker = start_worker(tmp_path, redis, port)
    server = SMTPServer(port)
    try:
        send_reply(redis)
        row = wait_for(lambda: (d := delivery(tmp_path)) and d.attempts >= 2
                       and d.status == Status.waiting and d, timeout=60,
                       what="a few failed attempts")
        assert "no SMTP conversation" in (row.last_error or "")
        server.start()
        wait_for(lambda: server.recorder.to(FRANK), timeout=60, what="the e-mail once back")
        wait_for(lambda: (d := delivery(tmp_path)) and d.status == Status.sent,
                 what="the send recorded")
        assert len(server.recorder.to(FRANK)) == 1
    finally:
        stop(worker)
        server.stop()



def test_failed_sends_are_listed_and_sent_again_from_the_command_line(
        tmp_path: Path, redis: EmbeddedRedis, smtp: SMTPServer) -> None:
    seed(tmp_path, smtp.port)
    smtp.recorder.refuse_data = ["554 5.6.0 message refused"]
    worker = start_worker(tmp_path, redis, smtp.port)
    try:
        send_reply(redis)
        wait_for(lambda: (d := delivery(tmp_path)) and d.status == Status.failed,
                 timeout=60, what="the send to fail for good")
        env = dict(os.environ, BURG_DATA_DIR=str(tmp_path), BURG_REDIS_URL=redis.url,
                   BURG_NOTIFY_DATABASE_URL=database_url(tmp_path, "notify"))

        def cli(*args: str) -> str:
            run = subprocess.run([sys.executable, "-m", "services.notify.cli", *args], env=env,
                                 capture_output=True, text=True, timeout=60, check=True)
            return run.stdout

        listed = cli("failed-sends")
        assert "reply:2:1" in listed and "554" in listed and "1 e-mails failed" in listed
        assert FRANK not in listed  # the list names keys, never addresses
        assert "1 e-mails will be sent again" in cli("retry-sends", "reply:2:1")
        wait_for(lambda: smtp.recorder.to(FRANK), timeout=60, what="the e-mail, sent again")
        assert "0 e-mails failed" in cli("failed-sends")
    finally:
        stop(worker)


def test_the_worker_sends_raw_readable_mail_past_one_it_cannot_build(
        tmp_path: Path, redis: EmbeddedRedis, smtp: SMTPServer) -> None:
    """A title with U+2028 (and worse) used to fail every reply e-mail of its article; an
    address only SMTPUTF8 carries was retried for hours. Now: the one that cannot be built
    fails at once, with the reason, and the next, in the same batch, goes out raw-readable."""
    joerg = "j\u00f6rg@example.org"
    with make_notify(tmp_path, smtp.port).sessions() as session:
        for email, comment_id, follows in ((joerg, 5, True), (FRANK, 1, False)):
            address = Address(email=email, consent=Consent.confirmed)
            session.add(address)
            session.flush()
            assert address.id is not None
            session.add(Subscription(comment_id=comment_id, article_id=1, commenter_id=1,
                                     nic="Fr\u2028ank\x85", address_id=address.id,
                                     follows_thread=follows))
        session.commit()
    worker = start_worker(tmp_path, redis, smtp.port)
    try:
        send_reply(redis, article_title="Ferry\u2028line\x85returns\uffff =?utf-8?q?=0A?=Bcc: "
                   "x@example.org " + "long " * 40, nic="Proc\u2029\uffff",
                   body_html="<p>Yes\x0b\x1c</p>", thread_followed=True)
        [raw] = wait_for(lambda: smtp.recorder.raw_to(FRANK), what="Frank's e-mail")
        title = ("Ferry line returns\ufffd Bcc: x@example.org " + "long " * 40)[:149]
        check_raw(raw, subject=f"New reply on \u201c{title.rstrip()}\u2026\u201d")
        failed = wait_for(lambda: (d := delivery(tmp_path, "reply:2:1")) and d.status
                          == Status.failed and d, what="J\u00f6rg's e-mail to fail")
        assert failed.attempts == 1 and "SMTPUTF8" in (failed.last_error or "")
        assert smtp.recorder.raw_to(joerg) == []
    finally:
        stop(worker)

