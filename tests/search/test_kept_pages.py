"""Result pages kept in the API process: served again as the same bytes with a strong ETag
(304 to a client that has them), bounded however many distinct queries arrive, and gone as
soon as the index changes (at once with BURG_SEARCH_FRESH_SECONDS=0, else at the first
read of the index's version after the window)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.search.pages import ResultPages
from services.search.version import IndexVersion
from shared.events import CommentRemoved
from tests.search.inprocess import SearchApi, article, comment, search_api


@pytest.fixture
def api(tmp_path: Path, redis_url: str) -> Iterator[SearchApi]:
    with search_api(tmp_path, redis_url, page_size=3, fresh_seconds=0) as running:
        yield running


def test_a_search_again_is_the_kept_bytes_with_a_strong_etag_and_304(api: SearchApi) -> None:
    api.handle(article(body="<p>The harbour froze.</p>"))
    first = api.client.get("/api/search/", params={"q": "harbour"})
    assert len(api.service.pages) == 1
    again = api.client.get("/api/search/", params={"q": "harbour"})
    assert again.status_code == 200 and again.content == first.content
    etag = first.headers["etag"]
    assert etag == again.headers["etag"] and not etag.startswith("W/")
    unchanged = api.client.get("/api/search/", params={"q": "harbour"},
                               headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    other = api.client.get("/api/search/", params={"q": "harbour", "order": "newest"},
                           headers={"If-None-Match": etag})
    assert other.status_code == 200 and len(api.service.pages) == 2


def test_a_change_to_the_index_is_in_the_next_search(api: SearchApi) -> None:
    api.handle(article(body="<p>The harbour froze.</p>"))
    api.handle(comment(8, "<p>harbour ice</p>"))
    before = api.client.get("/api/search/", params={"q": "harbour"})
    assert sorted(hit["id"] for hit in before.json()["results"]) == [1, 8]
    api.handle(CommentRemoved(comment_id=8, article_id=1))
    assert api.ids("harbour") == [("article", 1)]
    after = api.client.get("/api/search/", params={"q": "harbour"},
                           headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    api.handle(comment(9, "<p>harbour again</p>", minutes=2))
    assert api.ids("harbour", order="newest") == [("comment", 9), ("article", 1)]


def test_within_the_window_the_version_is_read_once_and_a_removal_shows_after_it(
        tmp_path: Path, redis_url: str) -> None:
    now = [0.0]
    with search_api(tmp_path, redis_url, fresh_seconds=1) as api:
        api.service.version = IndexVersion(api.service.version.client, fresh_for=1,
                                           clock=lambda: now[0])
        api.handle(article(body="<p>The harbour froze.</p>"))
        api.handle(comment(8, "<p>harbour ice</p>"))
        assert ("comment", 8) in api.ids("harbour")
        api.handle(CommentRemoved(comment_id=8, article_id=1))
        now[0] = 0.5  # within the window: the kept page, as the version last read
        assert ("comment", 8) in api.ids("harbour")
        now[0] = 1.6  # past it: the version is read again, and the comment is gone
        assert api.ids("harbour") == [("article", 1)]


def test_distinct_queries_keep_no_more_than_the_bounds(tmp_path: Path,
                                                       redis_url: str) -> None:
    with search_api(tmp_path, redis_url, kept_pages=5, kept_bytes=4000) as api:
        api.handle(article(body="<p>" + " ".join(f"w{n}" for n in range(60)) + "</p>"))
        for n in range(60):
            assert api.find(f"w{n}")["results"]
            assert len(api.service.pages) <= 5 and api.service.pages.size <= 4000
        assert len(api.service.pages) >= 2  # kept some, the newest
        assert api.service.pages.get(("w59", "relevant", 1), api.service.version.current())


def test_the_least_recently_used_page_goes_first() -> None:
    pages = ResultPages(max_bytes=10**6, max_pages=2)
    pages.keep(("a", "relevant", 1), 1, b"A")
    pages.keep(("b", "relevant", 1), 1, b"B")
    assert pages.get(("a", "relevant", 1), 1)
    pages.keep(("c", "relevant", 1), 1, b"C")
    assert pages.get(("b", "relevant", 1), 1) is None
    assert pages.get(("a", "relevant", 1), 2) is None  # of another version: gone
    assert len(pages) == 1
    assert pages.keep(("d", "relevant", 1), None, b"D") and len(pages) == 1  # no version


@pytest.mark.parametrize("q", ['"', "NEAR(a b)", "x" * 600, "a " * 40, "*", "' OR 1=1 --"])
def test_hostile_queries_are_still_200_or_422_and_422s_are_not_kept(api: SearchApi,
                                                                     q: str) -> None:
    api.handle(article(body="<p>near a b x</p>"))
    for _ in range(2):
        response = api.client.get("/api/search/", params={"q": q})
        assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert len(api.service.pages) == 0 and "detail" in response.json()


def test_a_page_past_the_last_is_422_every_time(api: SearchApi) -> None:
    api.handle(article(body="<p>harbour</p>"))
    for _ in range(2):
        response = api.client.get("/api/search/", params={"q": "harbour", "page": 51})
        assert response.status_code == 422


def test_a_page_is_searched_anew_after_its_age_whatever_the_version_says() -> None:
    now = [0.0]
    pages = ResultPages(max_bytes=10**6, max_pages=10, max_age=300, clock=lambda: now[0])
    pages.keep(("a", "relevant", 1), 1, b"A")
    now[0] = 299.0
    assert pages.get(("a", "relevant", 1), 1)
    now[0] = 301.0
    assert pages.get(("a", "relevant", 1), 1) is None and len(pages) == 0
