"""WebSub against a local HTTP hub with a real feeds worker and Redis, and the rebuild command
against a running Burg whose feeds service lost its data."""

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from shared.celery_app import make_celery
from shared.embedded_redis import EmbeddedRedis, free_port
from shared.events import ArticlePublished, CategoryCreated, Envelope
from shared.settings import Settings
from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.databases import database_url, migrated, sql
from tests.posts.helpers import new_article, new_category


class Hub(ThreadingHTTPServer):
    """A WebSub hub that only notes the publish pings it gets."""

    def __init__(self) -> None:
        self.pings: list[dict[str, list[str]]] = []
        super().__init__(("127.0.0.1", free_port()), _HubHandler)


class _HubHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.pings.append(parse_qs(body))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[Hub]:
    server = Hub()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def test_a_changed_feed_names_its_hub_and_pings_it(tmp_path: Path, hub: Hub) -> None:
    redis = EmbeddedRedis(tmp_path / "redis").start()
    hub_url = f"http://127.0.0.1:{hub.server_address[1]}/hub"
    feeds_db = migrated("feeds", database_url(tmp_path, "feeds"))
    env = dict(os.environ, BURG_DATA_DIR=str(tmp_path), BURG_REDIS_URL=redis.url,
               BURG_FEEDS_DATABASE_URL=feeds_db,
               BURG_FEEDS_WEBSUB_HUB=hub_url, BURG_FEEDS_URL="https://burg.example",
               BURG_OUTBOX_SWEEP_SECONDS="0.5")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "services.feeds.worker", "worker", "-Q", "feeds",
         "--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel", "WARNING"], env=env, stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("wb"))
    try:
        celery = make_celery("feeds", Settings(), redis.url)
        now = datetime.now(UTC)
        for event in (CategoryCreated(slug="world", name="World", description=""), ArticlePublished(
                article_id=1, slug="a", url="https://burg.example/a", title="A",
                category_slug="world", category_name="World", posted_by="ed",
                dateline=date(2026, 1, 1), summary="s", body_html="<p>b</p>",
                published_at=now, updated_at=now, comments_close_at=None)):
            celery.send_task("feeds.handle_event", queue="feeds",
                             args=[Envelope.wrap(event, producer="test").model_dump(mode="json")])

        def pinged() -> set[str]:
            return {url for ping in hub.pings if ping["hub.mode"] == ["publish"]
                    for url in ping["hub.url"]}

        topics = {f"https://burg.example/feeds/categories/world.{fmt}"
                  for fmt in ("rss", "atom", "json")}
        wait_for(lambda: topics <= pinged(), timeout=60, what="the hub pings")
        [(rss,)] = sql(feeds_db, "SELECT body FROM feeddocument "
                                 "WHERE path = 'categories/world.rss'")
        [(feed,)] = sql(feeds_db, "SELECT body FROM feeddocument "
                                  "WHERE path = 'categories/world.json'")
        assert f'href="{hub_url}" rel="hub"' in bytes(rss).decode()
        assert json.loads(bytes(feed))["hubs"] == [{"type": "WebSub", "url": hub_url}]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.stop()


def test_rebuild_brings_back_every_feed_from_the_public_apis(stack: Stack) -> None:
    category = new_category(stack)
    article = new_article(stack, category["slug"])
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{article['id']}/comments").status_code == 200,
             what="the article in comments")
    notes = [post(comments, article["id"], f"Note {n} {uuid.uuid4().hex[:6]}") for n in range(3)]
    feeds = stack.client("feeds")
    thread = f"/articles/{article['id']}/comments.json"
    wait_for(lambda: feeds.get(thread).status_code == 200
             and len(feeds.get(thread).json()["items"]) == 3, what="the comments in their feed")

    # Data loss: this category's and this article's read model and documents are gone.
    stack.sql("feeds", "DELETE FROM feedcomment WHERE article_id = :id", id=article["id"])
    stack.sql("feeds", "DELETE FROM feedarticle WHERE article_id = :id", id=article["id"])
    stack.sql("feeds", "DELETE FROM feeddocument WHERE path LIKE :one OR path LIKE :other",
              one=f"categories/{category['slug']}.%", other=f"articles/{article['id']}/%")
    wait_for(lambda: feeds.get(thread).status_code == 404, what="the feed to be gone")

    run = subprocess.run([sys.executable, "-m", "services.feeds.cli", "rebuild"],
                         env=stack.env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "categories" in run.stdout and "read model replaced" in run.stdout
    assert "feeds rendered" in run.stdout.splitlines()[-1]
    items = wait_for(lambda: (r := httpx.get(f"{stack.urls['feeds']}/feeds{thread}", timeout=10))
                     .status_code == 200 and r.json()["items"], what="the rebuilt comment feed")
    assert {i["url"].rsplit("/", 1)[1] for i in items} == {
        str(n["comment"]["id"]) for n in notes}
    rebuilt = feeds.get(f"/categories/{category['slug']}.json").json()
    assert [i["title"] for i in rebuilt["items"]] == [article["title"]]
