"""A thread page the API holds goes out as bytes before FastAPI's routing
(services/comments/thread_bytes.py): with the route's very bytes, headers and metrics label;
and whatever the route might read otherwise (a repeated or odd parameter, a commenter's own
view under pre-moderation) still goes to the route."""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from shared.embedded_redis import EmbeddedRedis
from tests.comments.helpers import post
from tests.comments.inprocess import CommentsApi, comments_api

ROUTE = "/api/comments/articles/{article_id}/comments"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("thread-bytes-redis")).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module", params=[False, True], ids=["open", "premoderated"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        broker: str) -> Iterator[CommentsApi]:
    with comments_api(tmp_path_factory.mktemp("thread-bytes"), broker,
                      premoderation=request.param, rate_per_ip=1000) as api:
        yield api


def built(api: CommentsApi, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The keys the route asks ThreadPages for from now on (the requests that reach it)."""
    asked: list[Any] = []
    original = api.service.pages.get

    async def get(key: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(key)
        return await original(key, *args, **kwargs)

    monkeypatch.setattr(api.service.pages, "get", get)
    return asked


def counted(status: int) -> float:
    return REGISTRY.get_sample_value("burg_http_requests_total", {
        "service": "comments", "method": "GET", "route": ROUTE, "status": str(status)}) or 0.0


def same(first: httpx.Response, second: httpx.Response) -> None:
    assert second.status_code == first.status_code and second.content == first.content
    assert ([h for h in first.headers.multi_items() if h[0] != "x-request-id"]
            == [h for h in second.headers.multi_items() if h[0] != "x-request-id"])
    assert second.headers["x-request-id"]


def test_a_held_page_goes_out_as_the_route_sent_it(api: CommentsApi,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    article, client = api.open_article(), api.client()
    post(client, article, "One")
    asked = built(api, monkeypatch)
    thread = f"/articles/{article}/comments"
    for params in ({}, {"limit": "50"}):
        first = client.get(thread, params=params)  # built by the route, and kept
        before = counted(200), counted(304)
        second = client.get(thread, params=params, headers={"X-Request-ID": "mine-1"})
        same(first, second)
        assert second.headers["x-request-id"] == "mine-1"
        again = client.get(thread, params=params, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["cache-control"] == "no-cache"
        assert "content-type" not in again.headers
        assert (counted(200), counted(304)) == (before[0] + 1, before[1] + 1)
    assert asked == [(None, None, 100), (None, None, 50)]  # the rest were answered as bytes
    post(client, article, "Two")  # a new version: the route builds the page again
    client.get(thread).raise_for_status()
    assert len(asked) == 3


@pytest.mark.parametrize("query", ["limit=50&limit=50", "limit=050", "limit=0", "limit=501",
                                   "cursor=", "limit=", "other=1", "limit=%2B50"])
def test_what_the_route_might_read_otherwise_goes_to_the_route(
        api: CommentsApi, monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    article, client = api.open_article(), api.client()
    post(client, article)
    thread = f"/articles/{article}/comments"
    client.get(thread, params={"limit": "50"}).raise_for_status()
    asked = built(api, monkeypatch)
    answer = client.get(f"{thread}?{query}")
    assert answer.status_code in (200, 400, 422)
    assert asked or answer.status_code == 422  # the route's parameters refused it first


def test_a_commenter_under_premoderation_reads_through_the_route(
        api: CommentsApi, monkeypatch: pytest.MonkeyPatch) -> None:
    article, client = api.open_article(), api.client()
    token = post(client, article, nic=f"N {uuid.uuid4().hex[:8]}")["commenter_token"]
    thread = f"/articles/{article}/comments"
    client.get(thread).raise_for_status()
    asked = built(api, monkeypatch)
    mine = client.get(thread, headers={"X-Commenter-Token": token})
    assert len(mine.json()["comments"]) == 1
    assert asked == ([(None, None, 100)] if api.service.settings.premoderation else [])
