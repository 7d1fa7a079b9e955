"""A real SMTP server (aiosmtpd) that records what it accepts and can be told to refuse or to
stall, and the notify service as its `bootstrap()` wires it, to that server and to a real
database, sending each e-mail as its transaction commits."""

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import sessionmaker

from services.notify.bootstrap import bootstrap
from services.notify.delivery import Deliveries
from services.notify.settings import NotifySettings
from services.notify.tokens import Tokens
from services.notify.upkeep import Upkeep
from shared.embedded_redis import free_port
from shared.events import Event, SubscriptionRequested
from shared.sealing import key_list, new_private_key, public_key_of, seal
from tests.conftest import Clock
from tests.databases import database_url, migrated


@dataclass
class Recorder:
    """An aiosmtpd handler keeping each accepted message, parsed with the modern policy, and
    its bytes as received (with the envelope's recipients) for the raw checks."""

    messages: list[EmailMessage] = field(default_factory=list)
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    refuse_mail: list[str] = field(default_factory=list)  # replies for the next MAILs
    refuse_rcpt: str | None = None  # e.g. "550 5.1.1 no such user"
    refuse_data: list[str] = field(default_factory=list)  # replies for the next DATAs
    stall_rcpt: float = 0.0  # seconds to sit on the next RCPT (then 0 again)
    rcpt_seen: threading.Event = field(default_factory=threading.Event)
    # The next 250 to DATA (after the message is kept) waits until this is set; likewise
    # the next reply to QUIT.
    hold_data: threading.Event | None = None
    hold_quit: threading.Event | None = None
    data_seen: threading.Event = field(default_factory=threading.Event)
    quit_seen: threading.Event = field(default_factory=threading.Event)
    peers: list[Any] = field(default_factory=list)  # each accepted message's connection
    quits: int = 0

    async def handle_MAIL(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if self.refuse_mail:
            return self.refuse_mail.pop(0)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        self.rcpt_seen.set()
        if self.stall_rcpt:
            stall, self.stall_rcpt = self.stall_rcpt, 0.0
            await asyncio.sleep(stall)
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.refuse_data:
            return self.refuse_data.pop(0)
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        self.peers.append(session.peer)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.data_seen.set()
        hold, self.hold_data = self.hold_data, None
        await _until(hold)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.quit_seen.set()
        self.quits += 1
        hold, self.hold_quit = self.hold_quit, None
        await _until(hold)
        return "221 Bye"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def raw_to(self, address: str) -> list[bytes]:
        """The bytes of each message received for `address` (in the envelope)."""
        return [raw for rcpts, raw in self.received if address in rcpts]


async def _until(event: threading.Event | None) -> None:
    while event is not None and not event.is_set():
        await asyncio.sleep(0.02)


class SMTPServer:
    def __init__(self, port: int) -> None:
        self.port, self.recorder = port, Recorder()
        self.controller: Controller | None = None

    def start(self) -> "SMTPServer":
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer(free_port()).start()
    yield server
    server.stop()


@dataclass
class Notify:
    """The notify service's pieces, as `bootstrap()` wires them, on a temporary database."""

    settings: NotifySettings
    sessions: sessionmaker[Any]
    tokens: Tokens
    deliveries: Deliveries
    upkeep: Upkeep  # the failed e-mails, their retry, the digests
    clock: Clock  # the deliveries' time, which a test moves on

    def send_due(self) -> int:
        """What the worker does in a round: fold the digests that are due, send what is due."""
        self.upkeep.fold_digests()
        return self.deliveries.send_due()

    def sealed(self, email: str, comment_id: int) -> str:
        """`email` sealed for this notify, as the comments service seals it."""
        public = public_key_of(key_list(self.settings.private_keys)[-1])
        return seal(public, {"email": email}, SubscriptionRequested.context(comment_id))

    def handle(self, handler: Any, event: Event, **kwargs: Any) -> None:
        """Run an event handler in a transaction, as the inbox would; sends follow the commit."""
        with self.sessions() as session:
            handler(session, event, **kwargs)
            session.commit()


def make_notify(tmp_path: Path, smtp_port: int, redis_url: str, **settings: Any) -> Notify:
    """notify's `bootstrap()` on a migrated database in `tmp_path`, with `settings` changed,
    and a commit that queues e-mail sends it there and then (its worker's sending threads
    would, a moment later). Redis is only pinged: notify in process emits no events."""
    clock = Clock()
    values = {"site_url": "https://burg.example", "smtp_port": smtp_port, "data_dir": tmp_path,
              "retry_seconds": 0.2, "smtp_timeout": 5.0,
              "private_keys": new_private_key()} | settings
    service = bootstrap(
        clock=clock, database_url=migrated("notify", database_url(tmp_path, "notify")),
        redis_url=redis_url, **values)
    deliveries = service.deliveries
    service.on_queued = lambda stored: [deliveries.deliver(key) for key, _ in stored]
    return Notify(settings=service.settings, sessions=service.runtime.sessions,
                  tokens=service.tokens, deliveries=deliveries, upkeep=service.upkeep,
                  clock=clock)


@pytest.fixture
def notify(tmp_path: Path, smtp: SMTPServer, redis_url: str) -> Notify:
    return make_notify(tmp_path, smtp.port, redis_url)
