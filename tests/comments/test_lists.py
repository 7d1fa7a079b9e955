"""Comment numbers, the newest comments across the site and a nic's comments, through the
comments API built in this process (`create_app(bootstrap())`): numbers by order of posting
that stay when others go, lists that show public comments only and drop a removed one at
once, nics looked up by their comparison key, and bad input a 4xx."""

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event

from services.comments.models import ArticleReplica, CommentCreate
from services.comments.posting import post_comment
from tests.comments.inprocess import CommentsApi, comments_api, comments_service

HOSTS = itertools.count(1)


@pytest.fixture
def api(tmp_path: Path, in_process_redis_url: str) -> Iterator[CommentsApi]:
    with comments_api(tmp_path, in_process_redis_url, rate_per_ip=1000,
                      rate_per_commenter=1000) as api:
        yield api


def reader(api: CommentsApi) -> httpx.Client:
    return api.client(f"198.51.100.{next(HOSTS)}")


def post(client: httpx.Client, article: int, nic: str, body: str, token: str | None = None,
         parent: int | None = None) -> tuple[dict, str | None]:
    response = client.post(f"/articles/{article}/comments",
                           json={"nic": nic, "body": body, "parent_id": parent},
                           headers={"X-Commenter-Token": token} if token else {})
    assert response.status_code == 201, response.text
    posted = response.json()
    return posted["comment"], posted["commenter_token"] or token


def test_comments_are_numbered_in_their_thread_and_keep_their_numbers(
        api: CommentsApi) -> None:
    first, second = api.open_article(), api.open_article()
    client = reader(api)
    a1, token = post(client, first, "Numbers", "one")
    b1, _ = post(client, second, "Numbers", "other thread", token)
    a2, _ = post(client, first, "Numbers", "two", token, parent=a1["id"])
    assert (a1["number"], b1["number"], a2["number"]) == (1, 1, 2)
    assert api.moderator().post(f"/comments/{a2['id']}/hide").status_code == 200
    a3, _ = post(client, first, "Numbers", "three", token)
    assert a3["number"] == 3  # the hidden #2 keeps its number
    thread = client.get(f"/articles/{first}/comments").json()
    assert [c["number"] for c in thread["comments"]] == [1, 3]
    assert client.get(f"/comments/{a3['id']}").json()["number"] == 3


def test_the_newest_comments_across_the_site_leave_at_once_when_removed(
        api: CommentsApi) -> None:
    first, second = api.open_article(), api.open_article()
    client = reader(api)
    one, token = post(client, first, "Recent", "one")
    two, _ = post(client, second, "Recent", "two", token)
    recent = client.get("/recent").json()
    assert [c["id"] for c in recent["comments"][:2]] == [two["id"], one["id"]]
    assert recent["comments"][0]["article_title"] == "Open"
    assert recent["comments"][0]["article_slug"] == f"a-{second}"
    etag = client.get("/recent").headers["ETag"]
    assert client.get("/recent", headers={"If-None-Match": etag}).status_code == 304
    assert api.moderator().post(f"/comments/{two['id']}/hide").status_code == 200
    after = client.get("/recent", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert [c["id"] for c in after.json()["comments"]] == [one["id"]]
    # Paged: one a page, the next page named.
    paged = client.get("/recent", params={"limit": 1}).json()
    assert paged["next_page"] is None and len(paged["comments"]) == 1


def test_a_nic_s_page_shows_its_public_comments_newest_first_by_key(
        api: CommentsApi) -> None:
    article = api.open_article()
    client = reader(api)
    one, token = post(client, article, "Grüße/x", "eins")
    two, _ = post(client, article, "GRÜSSE/X", "zwei", token)  # case-folded, "ß" is "ss"
    three, _ = post(client, article, "grüße/x", "drei", token)
    post(client, article, "Other", "not theirs")
    page = client.get("/nics/GR%C3%9CSSE%2FX/comments").json()
    assert page["nic"] == "Grüße/x"
    ids = [c["id"] for c in page["comments"]]
    assert ids == [three["id"], two["id"], one["id"]]
    assert page["count"] == 3 and page["since"][:19] == one["created_at"][:19]
    assert api.moderator().delete(f"/comments/{three['id']}").status_code == 204
    after = client.get("/nics/gr%C3%BC%C3%9Fe%2Fx/comments").json()
    assert [c["id"] for c in after["comments"]] == [two["id"], one["id"]]
    assert after["count"] == 2
    paged = client.get("/nics/Gr%C3%BC%C3%9Fe%2Fx/comments", params={"limit": 1}).json()
    assert paged["next_page"] == 2 and len(paged["comments"]) == 1


def test_a_banned_commenter_s_comments_leave_the_lists(api: CommentsApi) -> None:
    article = api.open_article()
    client = reader(api)
    comment, _ = post(client, article, "Troll", "bad")
    assert client.get("/nics/troll/comments").json()["count"] == 1
    assert api.moderator().post("/nics/Troll/ban").status_code == 204
    assert client.get("/nics/troll/comments").json()["count"] == 0
    assert comment["id"] not in [c["id"] for c in client.get("/recent").json()["comments"]]


def test_unknown_nics_and_bad_input_are_4xx(api: CommentsApi) -> None:
    client = reader(api)
    assert client.get("/nics/nobody-here/comments").status_code == 404
    for bad in ("/nics/x/comments?page=0", "/nics/x/comments?page=abc",
                "/recent?page=0", "/recent?page=51", "/recent?limit=1000",
                "/nics/" + "x" * 41 + "/comments", "/nics/a%0Ab/comments"):
        response = client.get(bad)
        assert 400 <= response.status_code < 500, (bad, response.status_code)


def test_comments_posted_at_once_on_one_thread_get_distinct_numbers(tmp_path: Path) -> None:
    with comments_service(tmp_path) as service:
        def post_some(writer: int) -> list[int]:
            numbers = []
            token = None
            for n in range(5):
                with service.session() as session:
                    comment, new_token = post_comment(
                        session=session, outbox=service.outbox, settings=service.settings,
                        article_id=1, data=CommentCreate(nic=f"Writer {writer}", body=f"{n}"),
                        token=token)
                token = token or new_token
                numbers.append(comment.number)
            return numbers

        with ThreadPoolExecutor(8) as pool:
            numbers = [n for found in pool.map(post_some, range(8)) for n in found]
        assert sorted(numbers) == list(range(1, 41))
        with service.session() as session:
            assert session.get_one(ArticleReplica, 1).last_number == 40


def test_the_lists_are_read_from_kept_bytes_without_a_query(api: CommentsApi) -> None:
    article = api.open_article()
    client = reader(api)
    post(client, article, "Kept", "words")
    statements: list[str] = []
    engine = api.service.runtime.engine
    # (The outbox's relay writes meanwhile, in a thread of its own: only reads count.)
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2])
                 if args[2].startswith("SELECT") else None)
    for path in ("/recent", "/nics/kept/comments"):
        assert client.get(path).status_code == 200  # built once
        built = len(statements)
        for _ in range(5):
            assert client.get(path).status_code == 200
        assert len(statements) == built, statements[built:]
