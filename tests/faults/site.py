"""The stack a fault suite runs against: the whole Burg started as the tests start it, on a
Redis of its own (the suite stops and kills it) and behind an SMTP gate (the suite takes
the mail server away), with an article and five comments whose authors confirmed their
address and asked for reply e-mail — what a burst replies to."""

import os
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from shared.embedded_redis import EmbeddedRedis, free_port
from shared.events import ROUTES, SERVICES
from tests.comments.helpers import post
from tests.conftest import STACK_ENV, Stack, running_stack, wait_for
from tests.faults.logtail import LogTail
from tests.faults.smtp_gate import HOST, SMTPGate

# The services with an inbox: every consumer an event is routed to (search too).
CONSUMERS = tuple(s for s in SERVICES if any(s in routes for routes in ROUTES.values()))
PARENTS = 5  # subscribed comments a burst's replies answer, in turn

ENV = STACK_ENV | {
    # One e-mail per reply, however many an address gets: no digest folds them (the suite
    # counts e-mails per reply).
    "BURG_NOTIFY_MAX_PER_WINDOW": "1000000",
    "BURG_NOTIFY_SMTP_HOST": HOST,
    # E-mail timing, shortened so that a slow or absent server is tried again within the
    # suite's bound (production: 10 s a step, 60 s a conversation, a 300 s lease, retries
    # from 30 s). The broker's visibility timeout stays at its production default (3600 s).
    "BURG_NOTIFY_SMTP_TIMEOUT": "3", "BURG_NOTIFY_SMTP_TOTAL_SECONDS": "8",
    "BURG_NOTIFY_LEASE_SECONDS": "30", "BURG_NOTIFY_RETRY_SECONDS": "2",
}


@dataclass
class Site:
    """A running stack and the handles a case needs to hurt it."""

    stack: Stack
    broker: EmbeddedRedis
    gate: SMTPGate
    log: LogTail
    article: int = 0
    category: str = ""
    parents: list[int] = field(default_factory=list)
    addresses: dict[int, str] = field(default_factory=dict)  # parent comment → its address

    def prepare(self) -> None:
        """The article and the subscribed comments every burst replies to."""
        editor = self.stack.editor()
        self.category = editor.post("/categories", json={"name": "Faults"}).json()["slug"]
        self.article = self.publish("The article a burst comments on")
        comments = self.stack.client("comments")
        wait_for(lambda: comments.get(f"/articles/{self.article}/comments").status_code == 200,
                 what="the comments service to learn of the article")
        for n in range(PARENTS):
            address = f"parent{n}-{uuid.uuid4().hex[:6]}@example.org"
            created = post(comments, self.article, f"Parent {n}", email=address,
                           notify_replies=True)
            self.parents.append(int(created["comment"]["id"]))
            self.addresses[self.parents[-1]] = address
        for address in self.addresses.values():
            self.stack.confirm(address)

    def publish(self, title: str) -> int:
        """Publish a new article in the suite's category; its id."""
        editor = self.stack.editor()
        draft = editor.post("/articles", json={"title": title, "category": self.category,
                                               "body": "x"}).json()
        editor.post(f"/articles/{draft['id']}/publish").raise_for_status()
        return int(draft["id"])

    # Processes, found from the pids the supervisor logs (other stacks may run beside us).

    def descendants(self, process: str) -> list[psutil.Process]:
        pid = self.log.pid(process)
        if pid is None:
            return []
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def worker(self, service: str) -> tuple[psutil.Process, list[psutil.Process]] | None:
        """A worker's Celery main process and its pool children, if it runs."""
        try:
            # `python -m celery …` (its pool children too), not the shell around it.
            celery = [p for p in self.descendants(f"{service}-worker") if "celery" in p.cmdline()]
            pids = {p.pid for p in celery}
            [main] = [p for p in celery if p.ppid() not in pids]
            return main, main.children()
        except (psutil.NoSuchProcess, ValueError):
            return None

    def api_workers(self, service: str) -> list[psutil.Process]:
        """The processes of a uvicorn started with `--workers n` that serve requests."""
        try:
            return [p for p in self.descendants(f"{service}-api")
                    if "spawn_main" in " ".join(p.cmdline())]
        except psutil.NoSuchProcess:
            return []

    def signal_workers(self, services: tuple[str, ...], sig: signal.Signals) -> None:
        """Send `sig` to the main process and pool children of these services' workers."""
        for service in services:
            found = self.worker(service)
            for process in [found[0], *found[1]] if found else []:
                try:
                    os.kill(process.pid, sig)
                except ProcessLookupError:
                    pass

    def restart_redis(self, *, kill: bool, down: float) -> float:
        """Stop Redis (SIGTERM, or SIGKILL: the last second of writes may be lost with
        `appendfsync everysec`), keep it down `down` seconds, start it again from its
        append-only file; the moment it answers again."""
        assert self.broker.process is not None
        if kill:
            self.broker.process.kill()
            self.broker.process.wait()
        else:
            self.broker.stop()
        time.sleep(down)
        self.broker.start(timeout=60)
        return time.monotonic()


@contextmanager
def fault_site(workdir: Path) -> Iterator[Site]:
    """A whole Burg in `workdir`, prepared for bursts, stopped at the end."""
    broker = EmbeddedRedis(workdir / "redis").start()
    port = free_port()
    gate = SMTPGate(port)
    (workdir / "stack").mkdir(parents=True)
    try:
        with running_stack(workdir / "stack", broker.url,
                           ENV | {"BURG_NOTIFY_SMTP_PORT": str(port)}) as stack:
            site = Site(stack=stack, broker=broker, gate=gate,
                        log=LogTail(stack.data_dir / "devserver.log"))
            site.prepare()
            yield site
    finally:
        gate.close()
        broker.stop()

