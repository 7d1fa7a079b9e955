"""The posts service's export (`GET /api/posts/export`): every category and published article
as lines of JSON, editors only; drafts and retracted articles left out; read in batches, so a
long list comes out whole and in order."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.posts import exporting
from tests.posts.inprocess import PostsApi, posts_api


@pytest.fixture
def api(tmp_path: Path, in_process_redis_url: str) -> Iterator[PostsApi]:
    with posts_api(tmp_path, in_process_redis_url) as running:
        yield running


def _lines(api: PostsApi) -> list[dict[str, Any]]:
    answer = api.editor().get("/export")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-ndjson"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.text.endswith("\n")
    return [json.loads(line) for line in answer.text.splitlines()]


def test_only_an_editor_may_export(api: PostsApi) -> None:
    for headers in ({}, {"Authorization": "Bearer forged"}):
        refused = api.client().get("/export", headers=headers)
        assert refused.status_code == 401 and "token" in refused.json()["detail"]


def test_the_export_holds_categories_and_published_articles_only(api: PostsApi) -> None:
    sea = api.category("Sea")
    land = api.category("Land")
    api.editor().patch(f"/categories/{land}", json={"description": "Roads & <rails>"})
    api.article(sea, "A draft", publish=False)
    gone = api.article(land, "Retracted")
    assert api.editor().post(f"/articles/{gone['id']}/retract").status_code == 200
    kept = api.article(land, "Ferry <b>sinks</b>", body="[b]Bold[/b] words ]]> and more",
                       dateline_place="OSLO", source_name="Wire",
                       source_url="https://wire.example/a?b=1&c=2", source_note="via a friend")
    lines = _lines(api)
    assert lines[:2] == [{"category": {"slug": sea, "name": "Sea", "description": ""}},
                         {"category": {"slug": land, "name": "Land",
                                       "description": "Roads & <rails>"}}]
    assert lines[2] == {"author": {"nic": "Ed"}}  # who posted a published article
    [article] = [line["article"] for line in lines if "article" in line]
    assert article["id"] == kept["id"] and article["slug"] == kept["slug"]
    assert article["url"] == kept["url"] and article["url"].endswith(f"/articles/{kept['slug']}")
    assert article["category"] == land
    assert article["body"] == "[b]Bold[/b] words ]]> and more"
    assert article["body_html"] == kept["body_html"] and "<strong>Bold</strong>" in \
        article["body_html"]
    assert (article["dateline_place"], article["source_name"], article["source_note"]) == (
        "OSLO", "Wire", "via a friend")
    assert article["source_url"] == "https://wire.example/a?b=1&c=2"
    assert article["posted_by"] == "Ed" and article["dateline"] == kept["dateline"]
    for moment in ("published_at", "updated_at", "comments_close_at"):
        assert article[moment] and article[moment][:19] == kept[moment][:19]
    assert lines[-1] == {"end": {"categories": 2, "articles": 1}}


def test_a_long_list_comes_out_whole_in_batches(api: PostsApi) -> None:
    sea = api.category("Sea")
    made = [api.article(sea, f"Story {n}")["id"] for n in range(7)]
    api.article(sea, "Unpublished", publish=False)
    # Batches of 3: 7 articles take three reads, the last one short.
    lines = list(exporting.export_lines(sessions=api.service.runtime.sessions,
                                        settings=api.service.settings, batch=3))
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    records = [json.loads(line) for line in lines]
    assert [r["article"]["id"] for r in records if "article" in r] == made
    assert records[-1] == {"end": {"categories": 1, "articles": 7}}
    exact = list(exporting.export_lines(sessions=api.service.runtime.sessions,
                                        settings=api.service.settings, batch=7))
    assert exact == lines  # a last batch that is full ends the same way


def test_an_empty_site_exports_just_its_end(api: PostsApi) -> None:
    assert _lines(api) == [{"end": {"categories": 0, "articles": 0}}]
