"""WebSub against a real local hub: the feeds API, the feeds worker and the WebSub pinger as
processes on a Redis of their own. The hub, like a real one, fetches a feed as soon as it is
pinged, and must get the new document; a hub that hangs holds up no render; a hub that
refuses a ping gets it again; garbage on the pinger's queue goes to the dead letters."""

import json
import os
import select
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from sqlalchemy import Engine, text

from shared.celery_app import make_celery
from shared.db import make_engine
from shared.embedded_redis import EmbeddedRedis, free_port
from shared.events import ArticlePublished, CategoryCreated, Envelope
from shared.settings import Settings
from tests.conftest import wait_for
from tests.databases import as_json, database_url, migrated
from tests.garbage import GARBAGE, GARBAGE_TYPES, push_garbage


@dataclass(eq=False)
class Ping:
    """One publish request as the hub saw it."""

    topic: str
    status: int = 0  # what the hub answered (0: not yet)
    fetched: bytes | None = None  # the feed as the hub fetched it, at once
    stored: tuple[bytes | None, bytes | None] = (None, None)  # stored before and after that
    abandoned: bool = False  # the pinger hung up while the hub held the request


class Hub(ThreadingHTTPServer):
    """A WebSub hub: notes each publish ping, then fetches the feed the way hubs do. Topics
    containing a part in `hang` are held until `release` is set; a part in `refuse` gets
    that many 503s first."""

    daemon_threads = True

    def __init__(self, feeds_db: Engine) -> None:
        self.feeds_db = feeds_db
        self.pings: list[Ping] = []
        self.hang: set[str] = set()
        self.refuse: dict[str, int] = {}
        self.release = threading.Event()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", free_port()), _HubHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hub"

    def stored(self, topic: str) -> bytes | None:
        path = topic.split("/feeds/", 1)[1]
        with self.feeds_db.connect() as connection:
            body = connection.execute(text("SELECT body FROM feeddocument WHERE path = :path"),
                                      {"path": path}).scalar()
        return bytes(body) if body is not None else None

    def of(self, part: str) -> list[Ping]:
        return [ping for ping in self.pings if part in ping.topic]


class _HubHandler(BaseHTTPRequestHandler):
    server: Hub

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        assert form["hub.mode"] == ["publish"]
        ping = Ping(topic=form["hub.url"][0])
        hub = self.server
        hub.pings.append(ping)
        if any(part in ping.topic for part in hub.hang):
            while not hub.release.wait(0.05):
                if self._hung_up():
                    ping.abandoned = True
                    return
        with hub.lock:
            refusals = next((part for part, left in hub.refuse.items()
                             if part in ping.topic and left > 0), None)
            if refusals:
                hub.refuse[refusals] -= 1
        if refusals:
            ping.status = 503
            self.send_response(503)
            self.end_headers()
            return
        before = hub.stored(ping.topic)
        fetched = httpx.get(ping.topic, timeout=30).content
        # Noted together, fetched last: the test reads them while pings come in.
        ping.stored = (before, hub.stored(ping.topic))
        ping.fetched = fetched
        ping.status = 204
        self.send_response(204)
        self.end_headers()

    def _hung_up(self) -> bool:
        readable, _, _ = select.select([self.connection], [], [], 0)
        return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Feeds:
    """The feeds service's processes, and how to send them events."""

    api: str
    hub: Hub
    send: Any
    env: dict[str, str]  # the processes' environment
    database: Engine  # the feeds database


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Feeds]:
    folder = tmp_path_factory.mktemp("websub")
    redis = EmbeddedRedis(folder / "redis").start()
    feeds_db = migrated("feeds", database_url(folder, "feeds"))
    engine = make_engine(feeds_db)
    hub = Hub(engine)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = dict(os.environ, BURG_DATA_DIR=str(folder), BURG_REDIS_URL=redis.url,
               BURG_FEEDS_DATABASE_URL=feeds_db, BURG_FEEDS_WEBSUB_HUB=hub.url,
               BURG_FEEDS_URL=api, BURG_SITE_URL="https://burg.example",
               BURG_FEEDS_WEBSUB_TIMEOUT="600", BURG_OUTBOX_SWEEP_SECONDS="0.5")
    celery = [sys.executable, "-m", "celery", "-A"]
    quiet = ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel",
             "WARNING"]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                  stderr=(folder / f"{name}.log").open("wb"))
                 for name, command in (
        ("api", [sys.executable, "-m", "uvicorn", "services.feeds.api:main", "--factory",
                 "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]),
        ("worker", [*celery, "services.feeds.worker", "worker", "-Q", "feeds", "-n",
                    "feeds@%h", "--concurrency", "1", *quiet]),
        ("websub", [*celery, "services.feeds.websub_worker", "worker", "-Q", "feeds-websub",
                    "-n", "websub@%h", "-P", "threads", "--concurrency", "8", *quiet]))]
    app = make_celery("feeds", Settings(), redis.url)

    def send(event: Any) -> None:
        app.send_task("feeds.handle_event", queue="feeds",
                      args=[Envelope.wrap(event, producer="test").model_dump(mode="json")])

    try:
        wait_for(lambda: _answers(f"{api}/healthz"), what="the feeds API")
        yield Feeds(api=api, hub=hub, send=send, env=env, database=engine)
    finally:
        hub.release.set()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        hub.shutdown()
        engine.dispose()
        redis.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def publish(feeds: Feeds, slug: str, article_id: int, title: str) -> None:
    """The events of a new category and an article in it (or of that article's edit)."""
    now = datetime.now(UTC)
    feeds.send(CategoryCreated(slug=slug, name=slug.title(), description=""))
    feeds.send(ArticlePublished(
        article_id=article_id, slug=f"a-{article_id}", url=f"https://burg.example/{article_id}",
        title=title, category_slug=slug, category_name=slug.title(), posted_by="ed",
        dateline=date(2026, 1, 1), summary="s", body_html="<p>b</p>", published_at=now,
        updated_at=now, comments_close_at=None))


def topics(feeds: Feeds, slug: str) -> list[str]:
    return [f"{feeds.api}/feeds/categories/{slug}.{fmt}" for fmt in ("rss", "atom", "json")]


def test_the_hub_fetching_at_once_gets_the_new_document(feeds: Feeds) -> None:
    slug = f"fresh-{uuid.uuid4().hex[:6]}"
    publish(feeds, slug, 1, "First title")
    hub = feeds.hub
    wait_for(lambda: all(any(p.fetched and b"First title" in p.fetched for p in hub.of(t))
                         for t in topics(feeds, slug)), what="pings for the first title")
    publish(feeds, slug, 1, "Second title")  # an edit: every feed of the category changes
    wait_for(lambda: all(any(p.fetched and b"Second title" in p.fetched for p in hub.of(t))
                         for t in topics(feeds, slug)) or any(
        p.fetched is not None and p.fetched not in p.stored for p in hub.of(slug)),
        what="pings for the second title")
    stale = [(p.topic, p.fetched[:80]) for p in hub.of(slug)
             if p.fetched is not None and p.fetched not in p.stored]
    assert not stale, f"the hub, pinged, fetched a document older than the stored one: {stale}"
    # Every feed names the hub.
    rss, document = (httpx.get(t, timeout=10) for t in topics(feeds, slug)[::2])
    assert f'href="{hub.url}" rel="hub"' in rss.text
    assert json.loads(document.content)["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_a_hub_that_hangs_holds_up_no_render(feeds: Feeds) -> None:
    hanging, after = f"hang-{uuid.uuid4().hex[:6]}", f"after-{uuid.uuid4().hex[:6]}"
    hub = feeds.hub
    hub.hang.add(hanging)
    publish(feeds, hanging, 2, "Held")
    wait_for(lambda: hub.of(hanging), what="a ping the hub holds")
    publish(feeds, after, 3, "Rendered anyway")
    wait_for(lambda: b"Rendered anyway" in (hub.stored(topics(feeds, after)[0]) or b""),
             what="the next feed rendered")
    held = hub.of(hanging)
    assert not any(p.abandoned for p in held), "the render waited for the hub to time out"
    assert all(p.status == 0 for p in held)  # still held while the next feed was rendered
    hub.release.set()
    wait_for(lambda: all(any(p.status == 204 for p in hub.of(t))
                         for t in topics(feeds, hanging)), what="the held pings answered")


def test_a_refused_ping_is_sent_again(feeds: Feeds) -> None:
    slug = f"refusing-{uuid.uuid4().hex[:6]}"
    feeds.hub.refuse[slug] = 6  # two refusals for each of the three documents, in some order
    publish(feeds, slug, 4, "Again")
    wait_for(lambda: all(any(p.status == 204 for p in feeds.hub.of(t))
                         for t in topics(feeds, slug)), what="the pings taken at last")
    assert len([p for p in feeds.hub.of(slug) if p.status == 503]) == 6


def dead_letters(feeds: Feeds) -> list[tuple[str, Any]]:
    with feeds.database.connect() as connection:
        rows = connection.execute(text("SELECT type, envelope FROM dead_letter ORDER BY id"))
        return [(kind, as_json(envelope)) for kind, envelope in rows]


def feeds_cli(feeds: Feeds, command: str) -> str:
    return subprocess.run([sys.executable, "-m", "services.feeds.cli", command], env=feeds.env,
                          check=True, capture_output=True, text=True).stdout


def test_garbage_on_the_pingers_queue_is_dead_lettered_and_replayed_onto_it(
        feeds: Feeds) -> None:
    before = len(dead_letters(feeds))
    push_garbage(feeds.env["BURG_REDIS_URL"], "feeds-websub", own_task="feeds.ping_hub")
    wait_for(lambda: len(dead_letters(feeds)) >= before + GARBAGE,
             what="the garbage in the feeds service's dead letters")
    kept = dead_letters(feeds)[before:]
    assert {kind for kind, _ in kept} == GARBAGE_TYPES
    assert {envelope["queue"] for _, envelope in kept} == {"feeds-websub"}
    assert f"{before + GARBAGE} events wait" in feeds_cli(feeds, "dead-letters")
    # Replayed, each goes back as it was onto the pinger's queue (not the feeds worker's),
    # where it is garbage still and comes back to the dead letters from there.
    assert f"replayed {before + GARBAGE} events" in feeds_cli(feeds, "replay-dead-letters")
    wait_for(lambda: len(dead_letters(feeds)) >= 2 * (before + GARBAGE),
             what="the replayed garbage back in the dead letters")
    again = dead_letters(feeds)[before + GARBAGE:]
    assert {envelope["queue"] for _, envelope in again} == {"feeds-websub"}
    # The pinger goes on pinging.
    slug = f"after-garbage-{uuid.uuid4().hex[:6]}"
    publish(feeds, slug, 5, "Still pinged")
    wait_for(lambda: all(any(p.status == 204 for p in feeds.hub.of(t))
                         for t in topics(feeds, slug)), what="pings after the garbage")
