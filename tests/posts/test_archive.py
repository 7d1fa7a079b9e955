"""The archive by date through the posts API in process: a year's, a month's and a day's
articles, the neighbouring periods that have articles, counts per month, day and year, and
invalid dates refused with a 4xx."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.posts.inprocess import PostsApi, posts_api


@pytest.fixture
def api(tmp_path: Path, in_process_redis_url: str) -> Iterator[PostsApi]:
    with posts_api(tmp_path, in_process_redis_url) as running:
        running.category("Sea")
        for title, moment in (
                ("Old", datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)),
                ("New year", datetime(2026, 1, 1, 0, 0, tzinfo=UTC)),
                ("Morning", datetime(2026, 11, 27, 8, tzinfo=UTC)),
                ("Evening", datetime(2026, 11, 27, 23, 59, 59, 999999, tzinfo=UTC)),
                ("Next day", datetime(2026, 11, 28, 0, 0, tzinfo=UTC)),
                ("December", datetime(2026, 12, 5, tzinfo=UTC))):
            running.article("sea", title, at=moment)
        # Neither a draft nor a retracted article counts.
        running.article("sea", "Draft", publish=False)
        gone = running.article("sea", "Gone", at=datetime(2026, 11, 27, 9, tzinfo=UTC))
        running.editor().post(f"/articles/{gone['id']}/retract")
        yield running


def _titles(answer: dict[str, Any]) -> list[str]:
    return [a["title"] for a in answer["data"]]


def test_a_day_lists_its_articles_newest_first_with_its_months_calendar(api: PostsApi) -> None:
    day = api.client().get("/archive/2026/11/27")
    assert day.status_code == 200, day.text
    found = day.json()
    assert _titles(found) == ["Evening", "Morning"] and found["total"] == 2
    assert found["period"] == {"year": 2026, "month": 11, "day": 27}
    assert found["start"].startswith("2026-11-27T00:00:00") and found["end"].startswith(
        "2026-11-28T00:00:00")
    assert found["older"] == {"year": 2026, "month": 1, "day": 1}
    assert found["newer"] == {"year": 2026, "month": 11, "day": 28}
    assert len(found["parts"]) == 30
    assert {(p["day"], p["count"]) for p in found["parts"] if p["count"]} == {(27, 2), (28, 1)}
    assert found["years"] == [{"year": 2024, "month": None, "day": None, "count": 1},
                              {"year": 2026, "month": None, "day": None, "count": 5}]


def test_a_month_and_a_year_list_theirs_with_counts(api: PostsApi) -> None:
    client = api.client()
    month = client.get("/archive/2026/11").json()
    assert _titles(month) == ["Next day", "Evening", "Morning"]
    assert month["older"] == {"year": 2026, "month": 1, "day": None}
    assert month["newer"] == {"year": 2026, "month": 12, "day": None}
    year = client.get("/archive/2026").json()
    assert year["total"] == 5 and [p["count"] for p in year["parts"]] == [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1]
    assert year["older"] == {"year": 2024, "month": None, "day": None}
    assert year["newer"] is None
    old = client.get("/archive/2024").json()
    assert _titles(old) == ["Old"] and old["newer"]["year"] == 2026 and old["older"] is None
    empty = client.get("/archive/2025/06").json()
    assert empty["data"] == [] and empty["total"] == 0 and empty["pages"] == 1
    assert empty["older"]["year"] == 2024 and empty["newer"] == {
        "year": 2026, "month": 1, "day": None}


def test_an_archive_pages_its_articles(api: PostsApi) -> None:
    client = api.client()
    second = client.get("/archive/2026", params={"limit": 2, "page": 2}).json()
    assert _titles(second) == ["Evening", "Morning"] and second["pages"] == 3
    assert client.get("/archive/2026", params={"limit": 2, "page": 4}).status_code == 404
    assert client.get("/archive/2026", params={"page": 0}).status_code == 422


def test_the_ends_of_the_calendar_are_no_error(api: PostsApi) -> None:
    client = api.client()
    for path in ("/archive/9999", "/archive/9999/12", "/archive/9999/12/31", "/archive/0001",
                 "/archive/0001/01/01"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text)
    assert client.get("/archive/9999").json()["end"] is None


def test_invalid_dates_get_a_4xx_naming_the_part(api: PostsApi) -> None:
    client = api.client()
    for path, word in (("/archive/2026/13", "month"), ("/archive/2026/00", "month"),
                       ("/archive/2026/02/30", "2026-02-30"), ("/archive/2025/02/29", "date"),
                       ("/archive/0000", "year"), ("/archive/2026/11/32", "date")):
        answer = client.get(path)
        assert answer.status_code == 422, (path, answer.text)
        assert word in answer.json()["detail"], (path, answer.text)
    for path in ("/archive/abcd", "/archive/26", "/archive/2026/1", "/archive/2026/11/7",
                 "/archive/20260", "/archive/2026/%C2%B2%C2%B2", "/archive/%EF%BC%92%EF%BC%90"
                 "%EF%BC%92%EF%BC%96"):
        answer = client.get(path)
        assert answer.status_code in (404, 422), (path, answer.text)
        assert answer.headers["content-type"] == "application/json"
    assert client.get("/archive/2024/02/29").status_code == 200  # a leap day
