"""Fixtures with real components: a Redis server, and the whole system started the way
`make run` starts it (every API and Celery worker, the aiosmtpd sink) on free ports."""

import email
import email.policy
import os
import re
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import pytest
import redis
from sqlalchemy import Connection, Engine, event

from devserver.launch import launch
from shared.embedded_redis import EmbeddedRedis
from shared.events import SERVICES, utcnow
from tests import databases

T = TypeVar("T")

# Every test comes from 127.0.0.1: the per-address limit is out of the way; the per-commenter
# one stays low enough for a test to reach it. The gateway test's nginx talks to the services
# from 127.0.0.2, the one peer whose X-Forwarded-For they trust.
GATEWAY_ADDRESS = "127.0.0.2"
# Small PostgreSQL pools (one connection kept, one more at peaks) for every process the tests
# start: stacks, workers, CLI commands (which inherit this environment). The suite then fits a
# server's 100 connections with STACKS_AT_ONCE stacks running (tests/deploy/
# test_connection_budget.py); a stack beyond that fails at its start.
TEST_POOL = {"BURG_DB_POOL_SIZE": "1", "BURG_DB_MAX_OVERFLOW": "1"}
for _name, _value in TEST_POOL.items():
    os.environ.setdefault(_name, _value)
STACKS_AT_ONCE = 3  # the session's, a module's, and one a test of that module starts
# The site checks an article page against the APIs on every request (its window is 0): a test
# sees what it changed past the site on its next load. tests/web/test_page_freshness.py tests
# the window itself. Search reads its index's version on every search too (its window is 0;
# tests/search/test_kept_pages.py tests it).
STACK_ENV = {"BURG_SEARCH_FRESH_SECONDS": "0",
             "BURG_COMMENTS_RATE_PER_IP": "100000", "BURG_COMMENTS_RATE_PER_COMMENTER": "20",
             "BURG_COMMENTS_MAIL_REQUESTS_PER_IP": "100000", "BURG_WEB_PAGE_FRESH_SECONDS": "0",
             "BURG_COMMENTS_FLAG_RATE_PER_IP": "100000",
             "BURG_TRUSTED_PROXIES": GATEWAY_ADDRESS,
             # One comments API process: three stacks of five services then fit the
             # connection budget (tests/deploy/test_connection_budget.py).
             "BURG_COMMENTS_API_PROCESSES": "1"} | TEST_POOL
_stacks_running: list[Path] = []


def wait_for(check: Callable[[], T | None], timeout: float = 60.0, what: str = "it",
             explain: Callable[[], str] | None = None) -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds (long:
    it costs only when something is wrong, and a loaded CI machine can be slow). `explain`
    gathers what the failure should show: a rare failure is seldom seen twice."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            evidence = f"\n{explain()}" if explain else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what}{evidence}")
        time.sleep(0.05)


class Clock:
    """A clock for a use case that takes one: the real time, plus however far the test moved
    it on (so a retry, a lease or a window comes round without sleeping for it)."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.ahead

    def advance(self, seconds: float) -> None:
        self.ahead += timedelta(seconds=seconds)

    def reach(self, moment: datetime) -> None:
        """Move on until `moment` has come (if it has not yet)."""
        self.ahead += max(timedelta(), moment - self())


_engines_used: "weakref.WeakSet[Engine]" = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _note_engine(connection: Connection) -> None:
    _engines_used.add(connection.engine)


@pytest.fixture(autouse=True)
def _close_idle_connections() -> Iterator[None]:
    """After each test, close the idle pooled connections of every engine it used (an engine
    reconnects when used again). Each test's database has an engine of its own, and their
    pools, left open, would take a PostgreSQL server's 100 connections a few dozen tests in."""
    yield
    for engine in list(_engines_used):
        engine.dispose()
    _engines_used.clear()


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """PostgreSQL runs: drop the databases the tests made, once they are done."""
    yield
    databases.drop_all()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """BURG_REDIS_URL when set, else a Redis server of our own for this test session."""
    if os.environ.get("BURG_REDIS_URL"):
        yield os.environ["BURG_REDIS_URL"]
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


IN_PROCESS_EVENTS_DB = 9  # the Redis database of the events of services run in process


@pytest.fixture
def in_process_redis_url(redis_url: str) -> Iterator[str]:
    """A Redis database apart from the test stack's, for a service run in process: its events
    would otherwise reach the stack's workers (articles and comments whose ids clash with the
    stack's own, in its replicas, feeds, search and e-mail). Emptied after the test."""
    url = urlsplit(redis_url)._replace(path=f"/{IN_PROCESS_EVENTS_DB}").geturl()
    yield url
    redis.Redis.from_url(url).flushdb()


@dataclass
class Stack:
    """A running Burg: service URLs, its environment, its mail folder and an editor token."""

    urls: dict[str, str]
    env: dict[str, str]
    data_dir: Path
    editor_token: str
    databases: dict[str, str]  # service name → its database URL

    def sql(self, service: str, statement: str, **params: object) -> list[tuple[Any, ...]]:
        """Run SQL (`:name` parameters) on a service's own database: the rows, if any."""
        return databases.sql(self.databases[service], statement, **params)

    def client(self, service: str, **kwargs: object) -> httpx.Client:
        prefix = {"posts": "/api/posts", "comments": "/api/comments", "feeds": "/feeds",
                  "notify": "/notify", "search": "/api/search", "site": ""}[service]
        return httpx.Client(base_url=self.urls[service] + prefix, timeout=10, **kwargs)

    def editor(self) -> httpx.Client:
        return self.client("posts", headers={"Authorization": f"Bearer {self.editor_token}"})

    def mails(self) -> list[EmailMessage]:
        """Every message the SMTP sink received, parsed with the modern e-mail policy."""
        folder = self.data_dir / "mail" / "new"
        if not folder.exists():
            return []
        return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime)]

    def replies_to(self, address: str) -> list[EmailMessage]:
        """The e-mails to `address` other than confirmation requests."""
        return [m for m in self.mails()
                if m["To"] == address and not m["Subject"].startswith("Confirm")]

    def confirmation_link(self, address: str) -> str:
        """The link in the confirmation request sent to `address` (waiting for it)."""
        def request() -> str | None:
            for mail in self.mails():
                if mail["To"] == address and mail["Subject"].startswith("Confirm"):
                    text = mail.get_body(preferencelist=("plain",)).get_content()
                    return next(w for w in text.split() if "/subscriptions/confirm?" in w)
            return None
        link: str = wait_for(request, what=f"the confirmation request to {address}",
                             explain=lambda: self.mail_trail(address))
        return link

    def mail_trail(self, address: str) -> str:
        """For a failure: where an e-mail to `address` got to. The comments outbox's
        events not yet confirmed, notify's address and deliveries for it, the Maildir's
        count, and the warnings the services logged."""
        def rows(service: str, statement: str, **params: object) -> str:
            try:
                return "\n".join(f"  {row}" for row in self.sql(service, statement, **params))
            except Exception as exc:  # the evidence must not hide the failure
                return f"  (could not read: {exc!r})"
        log = self.data_dir / "devserver.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        worth = [line for line in lines
                 if any(w in line for w in ("WARNING", "ERROR", "Traceback", "Error:"))]
        return "\n".join([
            "comments outbox, not confirmed by every consumer:",
            rows("comments", "SELECT seq, type, created_at, sent_at, attempts, last_error, "
                 "awaiting FROM outbox WHERE awaiting IS NOT NULL OR sent_at IS NULL"),
            "notify's address and deliveries to it:",
            rows("notify", "SELECT a.id, a.consent, a.confirmation_sent_at, d.key, d.status, "
                 "d.attempts, d.claimed_until, d.next_attempt_at, d.last_error, d.created_at "
                 "FROM address a LEFT JOIN delivery d ON d.address_id = a.id "
                 "WHERE a.email = :email", email=address.lower()),
            f"e-mails in the Maildir: {len(self.mails())}",
            "the last warnings of the stack's log:", *worth[-40:]])

    def confirm(self, address: str) -> None:
        """Do what the owner of `address` does: open the link, press the button."""
        with httpx.Client(timeout=10) as browser:
            page = browser.get(self.confirmation_link(address))
            assert page.status_code == 200 and "<form" in page.text, page.text
            done = browser.post(page.url.copy_with(query=None), data=button_form(page))
        assert done.status_code == 200 and "Address confirmed" in done.text, done.text


def unsubscribe_links(mail: EmailMessage) -> tuple[str, str]:
    """The https and the mailto: link of an e-mail's List-Unsubscribe header, in that order."""
    https, mailto = re.findall(r"<([^>]+)>", mail["List-Unsubscribe"])
    assert https.startswith(("https:", "http:")) and mailto.startswith("mailto:"), mail
    return https, mailto


def button_form(page: httpx.Response) -> dict[str, str]:
    """The hidden fields of the form on a confirm or unsubscribe page."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))


@contextmanager
def running_stack(data_dir: Path, redis_url: str | None,
                  env: dict[str, str]) -> Iterator[Stack]:
    """A whole Burg in `data_dir`, with an editor the comments service already knows."""
    assert len(_stacks_running) < STACKS_AT_ONCE, (
        f"a stack more than the {STACKS_AT_ONCE} the connection budget allows: "
        f"{_stacks_running} are running")
    urls = databases.service_databases(data_dir)
    launched = launch(data_dir, redis_url, demo=False, env=TEST_POOL | env | urls)
    _stacks_running.append(data_dir)
    try:
        stack = Stack(urls=launched.urls, env=launched.env, data_dir=data_dir,
                      editor_token=launched.create_editor("Tester"),
                      databases={name: urls[f"BURG_{name.upper()}_DATABASE_URL"]
                                 for name in SERVICES})
        # The comments service learns of editors through an event: wait until it has.
        moderation = stack.client("comments", headers={
            "Authorization": f"Bearer {stack.editor_token}"})
        wait_for(lambda: moderation.get("/moderation/waiting").status_code == 200,
                 what="the comments service to know the editor")
        yield stack
    finally:
        _stacks_running.remove(data_dir)
        launched.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Stack]:
    """The whole system, started once for the test session, stopped at its end."""
    with running_stack(tmp_path_factory.mktemp("stack"), redis_url, STACK_ENV) as running:
        yield running
