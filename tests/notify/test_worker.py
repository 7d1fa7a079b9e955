"""The real notify worker (`celery -A services.notify.worker`) and a real SMTP server: a worker
child killed and Redis restarted while an e-mail is under way, a worker killed after the
server took the e-mail, an SMTP server that is down, then back, or slow. Exactly one e-mail
each time (two with one Message-ID where SMTP allows no better), with the Message-ID its key
gives."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import Engine

from services.notify import messages
from services.notify.models import Address, Consent, Delivery, Status, Subscription
from services.notify.settings import NotifySettings
from shared.celery_app import make_celery
from shared.db import make_engine, make_session_factory
from shared.embedded_redis import EmbeddedRedis, free_port
from shared.events import CommentCreated, Envelope
from shared.settings import Settings
from tests.conftest import wait_for
from tests.databases import database_url
from tests.notify.conftest import SMTPServer, make_notify
from tests.notify.rawmail import check_raw
from tests.notify.slow_smtp import SlowSMTP

FRANK = "frank@example.org"
GINA = "gina@example.org"
LEASE = 6  # seconds before a send that never reported back is up again
TOTAL = 4  # seconds a whole SMTP conversation may take


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis").start()
    yield server
    server.stop()


def start_worker(tmp_path: Path, redis: EmbeddedRedis, smtp_port: int,  # type: ignore[type-arg]
                 **settings: str) -> subprocess.Popen:
    env = dict(os.environ, BURG_DATA_DIR=str(tmp_path), BURG_REDIS_URL=redis.url,
               BURG_NOTIFY_DATABASE_URL=database_url(tmp_path, "notify"),
               BURG_NOTIFY_SMTP_PORT=str(smtp_port), BURG_SITE_URL="https://burg.example",
               BURG_OUTBOX_SWEEP_SECONDS="0.5", BURG_NOTIFY_LEASE_SECONDS=str(LEASE),
               BURG_NOTIFY_RETRY_SECONDS="0.5", BURG_NOTIFY_SMTP_TIMEOUT="60",
               BURG_NOTIFY_SMTP_TOTAL_SECONDS=str(TOTAL)) | settings
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "services.notify.worker", "worker", "-Q",
         "notify", "--concurrency", "1", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "INFO"],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "worker.log").open("ab"))


def logged(tmp_path: Path, text: str) -> int:
    """How many times the workers' log says `text`."""
    return (tmp_path / "worker.log").read_text(errors="replace").count(text)


def seed(tmp_path: Path, redis: EmbeddedRedis, smtp_port: int,
         also: tuple[tuple[str, int], ...] = ()) -> None:
    """A confirmed address that asked for replies to comment 1 (and these, to these)."""
    notify = make_notify(tmp_path, smtp_port, redis.url)
    with notify.sessions() as session:
        for email, comment_id in ((FRANK, 1), *also):
            address = Address(email=email, consent=Consent.confirmed)
            session.add(address)
            session.flush()
            assert address.id is not None
            session.add(Subscription(comment_id=comment_id, article_id=1, commenter_id=1,
                                     nic="Frank", address_id=address.id))
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


_engines: dict[Path, Engine] = {}


@pytest.fixture(autouse=True)
def _close_engines() -> Iterator[None]:
    yield
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def delivery(tmp_path: Path, key: str = "reply:2:1") -> Delivery | None:
    """The delivery as stored now (one engine per test: polled often, and PostgreSQL's
    connections are few)."""
    if tmp_path not in _engines:
        _engines[tmp_path] = make_engine(database_url(tmp_path, "notify"))
    with make_session_factory(_engines[tmp_path])() as session:
        return session.get(Delivery, key)


def stop(worker: subprocess.Popen) -> None:  # type: ignore[type-arg]
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()


def expected_message_id(key: str = "reply:2:1") -> str:
    return messages.message_id(NotifySettings(site_url="https://burg.example"), key)


def test_a_pool_child_killed_mid_send_leads_to_exactly_one_email(
        tmp_path: Path, redis: EmbeddedRedis, smtp: SMTPServer) -> None:
    """The pool child only records the e-mail; the send, in the worker's sending thread, goes
    on (it used to die with the child after the server had the message: a second copy)."""
    seed(tmp_path, redis, smtp.port)
    smtp.recorder.hold_data = release = threading.Event()  # the message is in; no 250 yet
    worker = start_worker(tmp_path, redis, smtp.port)
    try:
        send_reply(redis)
        assert smtp.recorder.data_seen.wait(60), "the worker never reached the SMTP server"
        [child] = psutil.Process(worker.pid).children()
        child.kill()
        wait_for(lambda: len(psutil.Process(worker.pid).children()) == 1, what="a new child")
        release.set()
        row = wait_for(lambda: (d := delivery(tmp_path)) and d.status == Status.sent and d,
                       what="the send recorded")
        assert row.attempts == 1
        time.sleep(LEASE + 1)  # another lease and more rounds later, still the one e-mail
        [mail] = smtp.recorder.to(FRANK)
        assert mail["Message-ID"] == expected_message_id()
    finally:
        stop(worker)


def test_a_redis_restart_mid_send_leads_to_exactly_one_email(
        tmp_path: Path, redis: EmbeddedRedis, smtp: SMTPServer) -> None:
    """Redis goes away and comes back while the server holds its 250: nothing the worker does
    about the lost connection touches the send (it used to cancel it: a second copy)."""
    seed(tmp_path, redis, smtp.port)
    smtp.recorder.hold_data = release = threading.Event()
    lease = 20  # room for a Redis restart inside one SMTP conversation (15 s)
    worker = start_worker(tmp_path, redis, smtp.port, BURG_NOTIFY_SMTP_TOTAL_SECONDS="15",
                          BURG_NOTIFY_LEASE_SECONDS=str(lease))
    try:
        send_reply(redis)
        assert smtp.recorder.data_seen.wait(60), "the worker never reached the SMTP server"
        claimed = time.monotonic()
        connected = logged(tmp_path, "Connected to ")
        redis.stop()
        wait_for(lambda: logged(tmp_path, "Connection to broker lost"),
                 what="the worker to notice Redis is gone")
        redis.start()
        wait_for(lambda: logged(tmp_path, "Connected to ") > connected,
                 what="the worker to reconnect")
        release.set()
        row = wait_for(lambda: (d := delivery(tmp_path)) and d.status == Status.sent and d,
                       what="the send recorded")
        assert row.attempts == 1
        # Past the first claim's lease (a cancelled send would be up again then): one e-mail.
        time.sleep(max(0.0, claimed + lease + 2 - time.monotonic()))
        [mail] = smtp.recorder.to(FRANK)
        assert mail["Message-ID"] == expected_message_id()
        # The worker consumes again: another reply still arrives.
        send_reply(redis, comment_id=5)
        wait_for(lambda: len(smtp.recorder.to(FRANK)) == 2, what="a reply after the restart")
    finally:
        stop(worker)


def test_an_email_sent_again_after_a_kill_keeps_its_message_id(
        tmp_path: Path, redis: EmbeddedRedis, smtp: SMTPServer) -> None:
    """The one window SMTP leaves: the whole worker killed after the server took the message
    but before its 250 reached us. A new worker sends it again after the lease, under the
    same Message-ID (mail clients show one message)."""
    seed(tmp_path, redis, smtp.port)
    smtp.recorder.hold_data = release = threading.Event()
    worker = start_worker(tmp_path, redis, smtp.port)
    try:
        send_reply(redis)
        assert smtp.recorder.data_seen.wait(60), "the worker never reached the SMTP server"
        processes = [psutil.Process(worker.pid), *psutil.Process(worker.pid).children()]
        for process in processes:
            process.send_signal(signal.SIGKILL)
        psutil.wait_procs(processes, timeout=30)
        release.set()
        worker = start_worker(tmp_path, redis, smtp.port)
        first, second = wait_for(lambda: len(m := smtp.recorder.to(FRANK)) == 2 and m,
                                 what="the e-mail, sent again after the lease")
        assert first["Message-ID"] == second["Message-ID"] == expected_message_id()
        row = wait_for(lambda: (d := delivery(tmp_path)) and d.status == Status.sent and d,
                       what="the send recorded")
        assert row.attempts == 2
    finally:
        stop(worker)


def test_smtp_down_then_back_leads_to_exactly_one_email(
        tmp_path: Path, redis: EmbeddedRedis) -> None:
    port = free_port()  # nothing listens here yet
    seed(tmp_path, redis, port)
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
    seed(tmp_path, redis, smtp.port)
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
    with make_notify(tmp_path, smtp.port, redis.url).sessions() as session:
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


def test_a_slow_server_is_tried_again_and_holds_up_no_other_email(
        tmp_path: Path, redis: EmbeddedRedis, smtp: SMTPServer) -> None:
    """Frank's e-mail meets a server answering a byte every 0.3 s (each within the 2 s for a
    step); Gina's, queued after it, goes out while Frank's conversation still drags on, and
    Frank's is tried again once its 12 s are up: sent then, once."""
    seed(tmp_path, redis, smtp.port, also=((GINA, 3),))
    with SlowSMTP(smtp.port, every=0.3, give_up=120) as slow:
        # The old task limits (a soft limit of 4 s here) must not be what ends the send.
        worker = start_worker(tmp_path, redis, slow.port, BURG_NOTIFY_SMTP_TIMEOUT="2",
                              BURG_NOTIFY_SMTP_TOTAL_SECONDS="12", BURG_NOTIFY_LEASE_SECONDS="20",
                              BURG_NOTIFY_RETRY_SECONDS="5", BURG_VISIBILITY_TIMEOUT="10")
        try:
            send_reply(redis)
            assert slow.dribbling.wait(60), "Frank's e-mail never reached the slow server"
            send_reply(redis, comment_id=4, parent_id=3)
            wait_for(lambda: smtp.recorder.to(GINA), what="Gina's e-mail, past the slow one")
            frank = delivery(tmp_path)
            assert frank is not None and frank.status == Status.sending, frank
            assert frank.attempts == 1
            retried = wait_for(lambda: (d := delivery(tmp_path)) and d.status in (
                Status.waiting, Status.failed) and d, what="the slow conversation to end")
            assert retried.status == Status.waiting, retried.last_error
            assert "timed out" in (retried.last_error or "")
            wait_for(lambda: smtp.recorder.to(FRANK), what="Frank's e-mail, tried again")
            sent = wait_for(lambda: (d := delivery(tmp_path)) and d.status == Status.sent and d,
                            what="the send recorded")
            assert sent.attempts == 2
            [mail] = smtp.recorder.to(FRANK)
            assert mail["Message-ID"] == expected_message_id()
            assert len(smtp.recorder.to(GINA)) == 1
        finally:
            stop(worker)


def test_a_reply_goes_out_as_soon_as_the_pool_child_has_stored_it(
        tmp_path: Path, redis: EmbeddedRedis, smtp: SMTPServer) -> None:
    """The task runs in a pool child; the sending threads, in the worker's main process, are
    woken by its commit (through a pipe the child inherited), not by their next poll, two
    minutes away here."""
    seed(tmp_path, redis, smtp.port)
    worker = start_worker(tmp_path, redis, smtp.port, BURG_NOTIFY_SEND_POLL_SECONDS="120")
    try:
        wait_for(lambda: logged(tmp_path, "ready."), timeout=60, what="the worker")
        time.sleep(1)  # the threads have looked once and wait for their poll
        sent = time.monotonic()
        send_reply(redis)
        wait_for(lambda: smtp.recorder.to(FRANK), timeout=60, what="the reply e-mail")
        assert time.monotonic() - sent < 30
    finally:
        stop(worker)
