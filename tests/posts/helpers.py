"""Small helpers for the posts tests: make categories and articles over the HTTP API."""

import io
import subprocess
import sys
import uuid
from typing import Any

import feedparser
import httpx

from tests.conftest import Stack
from tests.databases import as_json


def new_category(stack: Stack, name: str | None = None) -> dict[str, Any]:
    name = name or f"Category {uuid.uuid4().hex[:8]}"
    response = stack.editor().post("/categories", json={"name": name})
    assert response.status_code == 201, response.text
    return dict(response.json())


def new_article(stack: Stack, category: str, *, publish: bool = True,
                **fields: Any) -> dict[str, Any]:
    body = {"title": f"Article {uuid.uuid4().hex[:8]}", "category": category,
            "body": "[quote]Something happened.[/quote]"} | fields
    editor = stack.editor()
    article = editor.post("/articles", json=body)
    assert article.status_code == 201, article.text
    if not publish:
        return dict(article.json())
    return dict(editor.post(f"/articles/{article.json()['id']}/publish").json())


def feed(stack: Stack, path: str) -> feedparser.FeedParserDict | None:
    """The parsed feed at /feeds/<path>, or None while there is none."""
    response = stack.client("feeds").get(path)
    if response.status_code != 200:
        return None
    return feedparser.parse(io.BytesIO(response.content), sanitize_html=False,
                            resolve_relative_uris=False)


def events_emitted(stack: Stack, event_type: str, article_id: int) -> int:
    """How many events of this type the posts service wrote for the article (its outbox)."""
    rows = stack.sql("posts", "SELECT envelope FROM outbox WHERE type = :type", type=event_type)
    return sum(1 for (raw,) in rows if as_json(raw)["data"]["article_id"] == article_id)


def cli_editor(stack: Stack, nic: str, *, admin: bool = False) -> str:
    """A new editor's token from the posts CLI's `create-editor` (`--admin`: with the right
    to manage editors)."""
    return subprocess.run(
        [sys.executable, "-m", "services.posts.cli", "create-editor", nic,
         *(["--admin"] if admin else [])],
        env=stack.env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]


def as_editor(stack: Stack, token: str) -> httpx.Client:
    return stack.client("posts", headers={"Authorization": f"Bearer {token}"})
