"""Numbered pages of the published articles, an article's neighbours, and a retracted
article's 410, through the posts API in process."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.posts.inprocess import PostsApi, posts_api


@pytest.fixture
def api(tmp_path: Path, in_process_redis_url: str) -> Iterator[PostsApi]:
    with posts_api(tmp_path, in_process_redis_url) as running:
        yield running


def _day(n: int) -> datetime:
    return datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(days=n)


def test_numbered_pages_give_page_pages_and_total_newest_first(api: PostsApi) -> None:
    sea, land = api.category("Sea"), api.category("Land")
    for n in range(5):
        api.article(sea if n % 2 else land, f"Story {n}", at=_day(n))
    client = api.client()
    first = client.get("/articles", params={"page": 1, "limit": 2}).json()
    assert [a["title"] for a in first["data"]] == ["Story 4", "Story 3"]
    assert (first["page"], first["pages"], first["total"], first["next_cursor"]) == (1, 3, 5, None)
    last = client.get("/articles", params={"page": 3, "limit": 2}).json()
    assert [a["title"] for a in last["data"]] == ["Story 0"]
    of_sea = client.get("/articles", params={"page": 1, "category": sea}).json()
    assert [a["title"] for a in of_sea["data"]] == ["Story 3", "Story 1"]
    assert (of_sea["pages"], of_sea["total"]) == (1, 2)
    # The cursor paging is as it was.
    assert client.get("/articles", params={"limit": 2}).json()["next_cursor"]


def test_bad_page_numbers_get_a_clear_4xx(api: PostsApi) -> None:
    api.article(api.category("Sea"), "Only", at=_day(0))
    client = api.client()
    for page in ("0", "-1", "abc", "1.5", "", "99999999999999999999999", "100001"):
        answer = client.get("/articles", params={"page": page})
        assert answer.status_code == 422, (page, answer.text)
        assert "page" in answer.json()["detail"]
    beyond = client.get("/articles", params={"page": 2})
    assert beyond.status_code == 404 and "there are 1 pages" in beyond.json()["detail"]
    both = client.get("/articles", params={"page": 1, "cursor": "x"})
    assert both.status_code == 422 and "not both" in both.json()["detail"]
    unknown = client.get("/articles", params={"page": 1, "category": "nowhere"})
    assert unknown.status_code == 404
    # A new site has one empty page.
    empty = client.get("/articles", params={"page": 1, "category": api.category("Air")})
    assert empty.json()["data"] == [] and empty.json()["pages"] == 1


def test_an_article_names_its_neighbours_site_wide_and_in_its_category(api: PostsApi) -> None:
    sea, land = api.category("Sea"), api.category("Land")
    first = api.article(sea, "First", at=_day(0))
    second = api.article(land, "Second", at=_day(1))
    third = api.article(sea, "Third", at=_day(2))
    client = api.client()
    middle = client.get(f"/articles/{second['slug']}").json()["neighbours"]
    assert middle["older"]["slug"] == first["slug"] and middle["newer"]["slug"] == third["slug"]
    assert middle["older_in_category"] is None and middle["newer_in_category"] is None
    newest = client.get(f"/articles/{third['slug']}").json()["neighbours"]
    assert newest["newer"] is None and newest["older"]["slug"] == second["slug"]
    assert newest["older_in_category"]["slug"] == first["slug"]
    assert newest["older_in_category"]["url"].endswith(f"/articles/{first['slug']}")
    # A neighbour retracted is no neighbour: the ETag of the article changes with them.
    before = client.get(f"/articles/{third['slug']}")
    api.editor().post(f"/articles/{second['id']}/retract")
    after = client.get(f"/articles/{third['slug']}", headers={
        "If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.json()["neighbours"]["older"]["slug"] == (
        first["slug"])


def test_same_moment_articles_are_ordered_by_id(api: PostsApi) -> None:
    sea = api.category("Sea")
    a, b = api.article(sea, "A", at=_day(0)), api.article(sea, "B", at=_day(0))
    client = api.client()
    assert client.get(f"/articles/{a['slug']}").json()["neighbours"]["newer"]["slug"] == b["slug"]
    assert client.get(f"/articles/{b['slug']}").json()["neighbours"]["older"]["slug"] == a["slug"]


def test_a_retracted_article_is_410_with_its_time_and_a_draft_404(api: PostsApi) -> None:
    sea = api.category("Sea")
    article = api.article(sea, "Withdrawn")
    retracted = api.editor().post(f"/articles/{article['id']}/retract").json()
    answer = api.client().get(f"/articles/{article['slug']}")
    assert answer.status_code == 410
    assert answer.json() == {"detail": f"the article {article['slug']!r} was retracted",
                             "retracted_at": answer.json()["retracted_at"]}
    assert datetime.fromisoformat(answer.json()["retracted_at"]) == datetime.fromisoformat(
        retracted["updated_at"])
    draft = api.editor().post("/articles", json={"title": "D", "category": sea, "body": "x"})
    assert api.client().get(f"/articles/{draft.json()['slug']}").status_code == 404
    assert api.client().get("/articles/no-such-thing").status_code == 404
