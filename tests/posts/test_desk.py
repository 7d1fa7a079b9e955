"""The editors' desk list (`GET /api/posts/desk/articles`): drafts, published and retracted
articles, by status, category and title words, in numbered pages; editors only; bad
parameters get a 422 naming them. And the desk's writes: a closing time for comments, a
dateline's place, a category's name taken twice."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.posts.inprocess import PostsApi, posts_api


@pytest.fixture
def api(tmp_path: Path, in_process_redis_url: str) -> Iterator[PostsApi]:
    with posts_api(tmp_path, in_process_redis_url) as running:
        yield running


def _titles(api: PostsApi, **params: object) -> list[str]:
    answer = api.editor().get("/desk/articles", params=params)
    assert answer.status_code == 200, answer.text
    return [a["title"] for a in answer.json()["data"]]


def test_the_desk_lists_every_status_and_filters(api: PostsApi) -> None:
    sea, land = api.category("Sea"), api.category("Land")
    api.article(sea, "Draft about boats", publish=False)
    api.article(land, "Published about roads")
    gone = api.article(sea, "Retracted about ships")
    assert api.editor().post(f"/articles/{gone['id']}/retract").status_code == 200
    everything = api.editor().get("/desk/articles").json()
    assert [(a["title"], a["status"]) for a in everything["data"]] == [
        ("Retracted about ships", "retracted"), ("Published about roads", "published"),
        ("Draft about boats", "draft")]
    assert (everything["page"], everything["pages"], everything["total"]) == (1, 1, 3)
    row = everything["data"][1]
    assert row["comments_open"] is True and row["comments_close_at"]
    assert row["category"]["slug"] == land
    assert _titles(api, status="draft") == ["Draft about boats"]
    assert _titles(api, status="retracted") == ["Retracted about ships"]
    assert _titles(api, category=sea) == ["Retracted about ships", "Draft about boats"]
    assert _titles(api, category=sea, status="published") == []


def test_the_title_search_ignores_case_and_takes_wildcards_literally(api: PostsApi) -> None:
    sea = api.category("Sea")
    api.article(sea, "Boats: 100% sure", publish=False)
    api.article(sea, "Boats 1000 sure", publish=False)
    api.article(sea, "under_score", publish=False)
    api.article(sea, "underXscore", publish=False)
    assert _titles(api, q="BOATS") == ["Boats 1000 sure", "Boats: 100% sure"]
    assert _titles(api, q="100%") == ["Boats: 100% sure"]
    assert _titles(api, q="r_s") == ["under_score"]
    assert _titles(api, q="nothing like it") == []


def test_the_desk_pages(api: PostsApi) -> None:
    sea = api.category("Sea")
    for n in range(5):
        api.article(sea, f"Story {n}", publish=False)
    first = api.editor().get("/desk/articles", params={"limit": 2}).json()
    assert [a["title"] for a in first["data"]] == ["Story 4", "Story 3"]
    assert (first["pages"], first["total"]) == (3, 5)
    assert _titles(api, limit=2, page=3) == ["Story 0"]
    assert api.editor().get("/desk/articles", params={"limit": 2, "page": 4}).status_code == 404


def test_only_editors_see_the_desk(api: PostsApi) -> None:
    api.article(api.category("Sea"), "Secret draft", publish=False)
    anonymous = api.client().get("/desk/articles")
    forged = api.client().get("/desk/articles", headers={"Authorization": "Bearer forged"})
    for answer in (anonymous, forged):
        assert answer.status_code == 401
        assert "editor token" in answer.json()["detail"]
        assert "Secret" not in answer.text


@pytest.mark.parametrize(("param", "value"), [
    ("status", "lost"), ("page", "0"), ("page", "x"), ("page", "10000000"), ("limit", "0"),
    ("limit", "101"), ("category", "Not A Slug!"), ("q", "nul\x00byte"), ("q", "x" * 201)])
def test_bad_parameters_get_422_naming_them(api: PostsApi, param: str, value: str) -> None:
    answer = api.editor().get("/desk/articles", params={param: value})
    assert answer.status_code == 422, answer.text
    assert param in answer.json()["detail"]


def test_an_unknown_category_is_404(api: PostsApi) -> None:
    answer = api.editor().get("/desk/articles", params={"category": "no-such"})
    assert answer.status_code == 404 and "no-such" in answer.json()["detail"]


def test_comments_close_when_the_editor_says(api: PostsApi) -> None:
    sea = api.category("Sea")
    article = api.article(sea, "Open for now", dateline_place="WASHINGTON")
    assert article["dateline_place"] == "WASHINGTON"
    editor = api.editor()
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    changed = editor.patch(f"/articles/{article['id']}",
                           json={"comments_close_at": later.isoformat()})
    assert changed.status_code == 200, changed.text
    assert datetime.fromisoformat(changed.json()["comments_close_at"]) == later
    past = datetime.now(UTC) - timedelta(minutes=1)
    address = f"/articles/{article['id']}"
    closed = editor.patch(address, json={"comments_close_at": past.isoformat()})
    assert closed.json()["comments_open"] is False
    naive = editor.patch(address, json={"comments_close_at": "2030-01-01T10:00"})
    assert naive.status_code == 422 and "comments_close_at" in naive.json()["detail"]
    for far in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:00-01:00"):
        refused = editor.patch(address, json={"comments_close_at": far})
        assert refused.status_code == 422 and "comments_close_at" in refused.json()["detail"]
    draft = api.article(sea, "Not yet", publish=False)
    refused = editor.patch(f"/articles/{draft['id']}",
                           json={"comments_close_at": later.isoformat()})
    assert refused.status_code == 409 and "published" in refused.json()["detail"]


def test_a_category_name_is_taken_once(api: PostsApi) -> None:
    api.category("Sea")
    land = api.category("Land")
    editor = api.editor()
    again = editor.post("/categories", json={"name": "Sea"})
    assert again.status_code == 409 and "exists" in again.json()["detail"]
    renamed = editor.patch(f"/categories/{land}", json={"name": "sea"})
    assert renamed.status_code == 409 and "named" in renamed.json()["detail"]
    fine = editor.patch(f"/categories/{land}", json={"name": "Dry land", "description": "Roads"})
    assert fine.json() == {"name": "Dry land", "description": "Roads", "slug": land}
