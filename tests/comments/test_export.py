"""The comments service's export (`GET /api/comments/export`): every public comment with its
threading, as lines of JSON, editors only. Hidden, deleted and waiting comments are left out,
unless a public reply hangs below one: then it is a placeholder, so the reply keeps its
parent. Comments on a retracted article are left out. Read in batches, in thread order."""

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.comments import exporting, replica
from shared.embedded_redis import EmbeddedRedis
from shared.events import ArticleRetracted
from tests.comments.helpers import post
from tests.comments.inprocess import CommentsApi, comments_api

HOSTS = itertools.count(1)
# Enough comments a minute for a test's threads; no edit window to wait out.
SETTINGS: dict[str, Any] = {"rate_per_ip": 1000, "rate_per_commenter": 1000}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[CommentsApi]:
    # A Redis of this test's own: rate limits start from nothing.
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        with comments_api(tmp_path, server.url, **SETTINGS) as running:
            yield running
    finally:
        server.stop()


def reader(api: CommentsApi) -> httpx.Client:
    return api.client(f"198.51.100.{next(HOSTS)}")


def _records(api: CommentsApi) -> list[dict[str, Any]]:
    answer = api.moderator().get("/export")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-ndjson"
    assert answer.headers["cache-control"] == "no-store"
    return [json.loads(line) for line in answer.text.splitlines()]


def _comments(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r["comment"] for r in records if "comment" in r]


def test_only_an_editor_may_export(api: CommentsApi) -> None:
    article = api.open_article()
    token = post(reader(api), article, "Hello")["commenter_token"]
    for headers in ({}, {"Authorization": "Bearer forged"},
                    {"Authorization": f"Bearer {token}"}, {"X-Commenter-Token": token}):
        refused = api.client().get("/export", headers=headers)
        assert refused.status_code == 401 and "token" in refused.json()["detail"]


def test_public_comments_keep_their_threading_and_taken_down_ones_stay_out(
        api: CommentsApi) -> None:
    article, client, editor = api.open_article(), reader(api), api.moderator()
    first = post(client, article, "[b]First[/b]", nic="Alice",
                 website="https://alice.example/?a=1&b=2")
    token = first["commenter_token"]
    first_id = first["comment"]["id"]
    reply = post(client, article, "A reply ]]> <script>", token=token, nic="Alice",
                 parent_id=first_id)["comment"]["id"]
    removed = post(client, article, "Rude", nic="Bob")["comment"]["id"]
    below = post(client, article, "Answer to the rude one", nic="Carol",
                 parent_id=removed)["comment"]["id"]
    deep = post(client, article, "Deeper", nic="Dave", parent_id=below)["comment"]["id"]
    hidden = post(client, article, "Spam", nic="Eve")["comment"]["id"]
    hidden_reply = post(client, article, "Spam too", nic="Eve2", parent_id=hidden)
    assert editor.delete(f"/comments/{removed}").status_code == 204
    for gone in (hidden, hidden_reply["comment"]["id"]):
        assert editor.post(f"/comments/{gone}/hide").status_code == 200
    records = _records(api)
    comments = _comments(records)
    assert [c["id"] for c in comments] == [first_id, reply, removed, below, deep]
    by_id = {c["id"]: c for c in comments}
    assert by_id[first_id] | {"created_at": None} == {
        "id": first_id, "article_id": article, "parent_id": None, "number": 1, "nic": "Alice",
        "website": "https://alice.example/?a=1&b=2", "body": "[b]First[/b]",
        "body_html": "<p><strong>First</strong></p>", "created_at": None, "edited_at": None,
        "removed": False}
    assert by_id[reply]["parent_id"] == first_id and by_id[reply]["body"] == \
        "A reply ]]> <script>"
    assert "&lt;script&gt;" in by_id[reply]["body_html"]
    # The deleted comment is a placeholder: its place and time, nothing of its author.
    assert by_id[removed] | {"created_at": None} == {
        "id": removed, "article_id": article, "parent_id": None, "number": 3, "nic": "",
        "website": None, "body": "", "body_html": "", "created_at": None, "edited_at": None,
        "removed": True}
    assert (by_id[below]["parent_id"], by_id[deep]["parent_id"]) == (removed, below)
    nics = [r["nic"]["nic"] for r in records if "nic" in r]
    assert sorted(nics) == ["Alice", "Carol", "Dave"]  # Bob's and Eve's are not public
    assert records[-1] == {"end": {"comments": 5, "nics": 3}}


def test_a_retracted_articles_comments_are_left_out(api: CommentsApi) -> None:
    kept, gone = api.open_article(), api.open_article()
    client = reader(api)
    post(client, kept, "Stays")
    post(client, gone, "Goes")
    with api.service.runtime.sessions() as session:
        replica.on_article_retracted(session, ArticleRetracted(
            article_id=gone, category_slug="sea", retracted_at=datetime.now(UTC)))
        session.commit()
    comments = _comments(_records(api))
    assert [(c["article_id"], c["body"]) for c in comments] == [(kept, "Stays")]


def test_many_comments_come_out_whole_in_thread_order_in_batches(api: CommentsApi) -> None:
    client = reader(api)
    articles = [api.open_article() for _ in range(3)]
    made: dict[int, list[int]] = {}
    for article in reversed(articles):  # posted last to first; exported by article id
        top = post(client, article, "Top")["comment"]["id"]
        made[article] = [top]
        parent = top
        for n in range(4):
            parent = post(client, article, f"Reply {n}", parent_id=parent)["comment"]["id"]
            made[article].append(parent)
    expected = [i for article in articles for i in made[article]]
    for batch in (1, 4, 5, 15, 1000):
        lines = list(exporting.export_lines(sessions=api.service.runtime.sessions,
                                            batch=batch))
        records = [json.loads(line) for line in lines]
        assert [c["id"] for c in _comments(records)] == expected, batch
        assert records[-1]["end"]["comments"] == 15
        assert records[-1]["end"]["nics"] == len([r for r in records if "nic" in r])
