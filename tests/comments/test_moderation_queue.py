"""The API behind the editors' one moderation queue: reject a waiting comment, the banned
commenters, and the audit that records every editor's action (who, what, which comment or
nic, when), newest first and paged. Checked on the comments app in this process, with
pre-moderation on, so that first comments wait."""

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from shared.embedded_redis import EmbeddedRedis
from tests.comments.helpers import nic, post
from tests.comments.inprocess import CommentsApi, comments_api

ADDRESSES = (f"198.51.100.{n}" for n in itertools.count(1))  # each reader's own budget
SETTINGS: dict[str, Any] = {"premoderation": True, "rate_per_ip": 1000,
                            "rate_per_commenter": 1000, "flag_rate_per_ip": 1000}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommentsApi]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("queue-redis")).start()
    try:
        with comments_api(tmp_path_factory.mktemp("queue-api"), server.url, **SETTINGS) as api:
            yield api
    finally:
        server.stop()


def reader(api: CommentsApi) -> httpx.Client:
    return api.client(next(ADDRESSES))


def waiting(api: CommentsApi, article: int, body: str = "First words.") -> dict[str, Any]:
    """A first comment by a new commenter, which waits for approval."""
    posted = post(reader(api), article, body)
    assert posted["comment"]["status"] == "pending"
    return posted


def newest_audit(editor: httpx.Client, count: int) -> list[tuple[Any, ...]]:
    rows = editor.get("/moderation/audit", params={"limit": count}).json()["data"]
    return [(r["editor"], r["action"], r["comment_id"], r["nic"]) for r in rows]


def test_each_action_is_recorded_with_its_editor_comment_and_nic(api: CommentsApi) -> None:
    article, editor = api.open_article(), api.moderator()
    first, second, third = (waiting(api, article) for _ in range(3))
    ids = [c["comment"]["id"] for c in (first, second, third)]
    nics = [c["comment"]["nic"] for c in (first, second, third)]
    assert editor.post(f"/comments/{ids[0]}/approve").status_code == 200
    assert editor.post(f"/comments/{ids[1]}/reject").status_code == 204
    assert editor.get(f"/comments/{ids[1]}").status_code == 404  # gone for good
    assert editor.post(f"/comments/{ids[0]}/hide").status_code == 200
    assert editor.post(f"/comments/{ids[0]}/restore").status_code == 200
    assert reader(api).post(f"/comments/{ids[0]}/flags", json={"reason": "rude"}
                            ).status_code == 201
    assert editor.post(f"/comments/{ids[0]}/dismiss-flags").status_code == 200
    assert editor.post(f"/nics/{nics[2]}/ban").status_code == 204
    assert editor.post(f"/nics/{nics[2]}/unban").status_code == 204
    assert editor.delete(f"/comments/{ids[2]}").status_code == 204
    assert newest_audit(editor, 9) == [
        ("Ed", "delete", ids[2], nics[2]), ("Ed", "unban", None, nics[2]),
        ("Ed", "ban", None, nics[2]), ("Ed", "dismiss-flags", ids[0], nics[0]),
        ("Ed", "restore", ids[0], nics[0]), ("Ed", "hide", ids[0], nics[0]),
        ("Ed", "reject", ids[1], nics[1]), ("Ed", "approve", ids[0], nics[0])]
    rows = editor.get("/moderation/audit", params={"limit": 8}).json()["data"]
    assert {r["article_id"] for r in rows if r["comment_id"]} == {article}
    assert all(r["created_at"] for r in rows)


def test_the_audit_pages_newest_first(api: CommentsApi) -> None:
    article, editor = api.open_article(), api.moderator()
    for _ in range(3):
        editor.post(f"/comments/{waiting(api, article)['comment']['id']}/reject"
                    ).raise_for_status()
    first = editor.get("/moderation/audit", params={"limit": 2}).json()
    second = editor.get("/moderation/audit", params={"limit": 2,
                                                     "before": first["next_before"]}).json()
    ids = [r["id"] for r in first["data"] + second["data"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    last = editor.get("/moderation/audit", params={"before": min(ids), "limit": 200}).json()
    assert last["next_before"] is None and all(r["id"] < min(ids) for r in last["data"])


def test_only_a_waiting_comment_is_rejected_and_a_refusal_records_nothing(
        api: CommentsApi) -> None:
    article, editor = api.open_article(), api.moderator()
    comment_id = waiting(api, article)["comment"]["id"]
    editor.post(f"/comments/{comment_id}/approve").raise_for_status()
    before = newest_audit(editor, 1)
    refused = editor.post(f"/comments/{comment_id}/reject")
    assert refused.status_code == 409 and "only a waiting comment" in refused.json()["detail"]
    assert editor.post("/comments/999999/reject").status_code == 404
    assert editor.post("/comments/x/reject").status_code == 422
    assert editor.post("/nics/nobody-has-this/ban").status_code == 404
    assert newest_audit(editor, 1) == before


def test_the_queue_routes_need_an_editor_and_sane_input(api: CommentsApi) -> None:
    article, editor = api.open_article(), api.moderator()
    posted = waiting(api, article)
    commenter = {"X-Commenter-Token": posted["commenter_token"]}
    for headers in ({}, {"Authorization": "Bearer forged"}, commenter):
        anyone = api.client(headers=headers)
        assert anyone.get("/moderation/audit").status_code == 401
        assert anyone.get("/moderation/banned").status_code == 401
        assert anyone.post(f"/comments/{posted['comment']['id']}/reject").status_code == 401
    for params in ({"limit": 0}, {"limit": 201}, {"before": "abc"}, {"before": 0}):
        answer = editor.get("/moderation/audit", params=params)
        assert answer.status_code == 422 and answer.json()["detail"], params


def test_the_banned_list_names_every_nic_until_unbanned(api: CommentsApi) -> None:
    article, editor = api.open_article(), api.moderator()
    troll, alias = nic(), nic()
    token = waiting(api, article)["commenter_token"]
    post(reader(api), article, "Me again", token=token, nic=troll)
    post(reader(api), article, "And again", token=token, nic=alias)
    assert editor.post(f"/nics/{alias}/ban").status_code == 204
    banned = editor.get("/moderation/banned").json()["data"]
    [entry] = [b for b in banned if troll in b["nics"]]
    assert alias in entry["nics"] and len(entry["nics"]) == 3 and entry["comment_count"] >= 0
    assert editor.post(f"/nics/{entry['nic']}/unban").status_code == 204
    assert not [b for b in editor.get("/moderation/banned").json()["data"]
                if troll in b["nics"]]


def test_a_nic_with_a_slash_is_banned_and_unbanned_by_its_address(api: CommentsApi) -> None:
    """A nic may hold "/" (AC/DC): its ban and unban addresses carry it as %2F."""
    article, editor = api.open_article(), api.moderator()
    slashed = f"AC/DC {nic()}"
    token = post(reader(api), article, "Rock on", nic=slashed)["commenter_token"]
    address = slashed.replace("/", "%2F")
    assert editor.post(f"/nics/{address}/ban").status_code == 204
    banned = editor.get("/moderation/banned").json()["data"]
    assert [b["nics"] for b in banned if slashed in b["nics"]] == [[slashed]]
    refused = reader(api).post(f"/articles/{article}/comments", json={
        "nic": slashed, "body": "Again"}, headers={"X-Commenter-Token": token})
    assert refused.status_code == 403 and "banned" in refused.json()["detail"]
    assert editor.post(f"/nics/{address}/unban").status_code == 204
    assert not [b for b in editor.get("/moderation/banned").json()["data"]
                if slashed in b["nics"]]
