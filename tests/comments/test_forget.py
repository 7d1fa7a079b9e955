"""Forget me over the comments API, on its app in this process: the token holder, or an editor
by nic, has every comment of the commenter deleted (outside the edit window too), each public
one with its `comment.removed`, then one `commenter.forgotten`; what it refuses and why. That
notify, feeds, search and the site follow: tests/e2e/test_forget.py."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update
from sqlmodel import col

from services.comments.models import Comment
from shared.embedded_redis import EmbeddedRedis
from tests.comments.helpers import nic, post
from tests.comments.inprocess import CommentsApi, comments_api
from tests.databases import as_json

YES = {"confirm": True}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommentsApi]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("forget-redis")).start()
    try:
        with comments_api(tmp_path_factory.mktemp("forget-api"), server.url,
                          rate_per_ip=1000, rate_per_commenter=1000) as api:
            yield api
    finally:
        server.stop()


def events(api: CommentsApi, kind: str) -> list[dict[str, Any]]:
    with api.service.runtime.engine.connect() as connection:
        return [as_json(e)["data"] for e in connection.execute(text(
            "SELECT envelope FROM outbox WHERE type = :kind ORDER BY seq"), {"kind": kind}
        ).scalars()]


def as_commenter(api: CommentsApi, token: str) -> httpx.Client:
    return api.client(headers={"X-Commenter-Token": token})


def test_forget_me_deletes_every_comment_of_the_commenter_and_tells_notify(
        api: CommentsApi) -> None:
    first, second = api.open_article(), api.open_article()
    reader, editor = api.client(), api.moderator()
    me, alias = nic(), nic()
    posted = post(reader, first, "Mine, old", nic=me)
    token, old = posted["commenter_token"], posted["comment"]["id"]
    other = post(reader, first, "Someone else's")["comment"]["id"]
    reply = post(reader, first, "Mine, a reply", token=token, nic=alias, parent_id=other)
    hidden = post(reader, second, "Mine, hidden", token=token, nic=me)["comment"]["id"]
    taken_back = post(reader, second, "Mine, deleted", token=token, nic=me)["comment"]["id"]
    assert as_commenter(api, token).delete(f"/comments/{taken_back}").status_code == 204
    assert editor.post(f"/comments/{hidden}/hide").status_code == 200
    with api.service.runtime.sessions() as session:  # long out of its edit window
        session.execute(update(Comment).where(col(Comment.id) == old)
                        .values(created_at=datetime(2020, 1, 1, tzinfo=UTC)))
        session.commit()
    assert as_commenter(api, token).delete(f"/comments/{old}").status_code == 403
    commenter_id = next(e["commenter_id"] for e in events(api, "comment.created")
                        if e["comment_id"] == old)
    removed_before = len(events(api, "comment.removed"))

    done = as_commenter(api, token).post("/commenters/me/forget", json=YES)
    assert (done.status_code, done.json()) == (200, {"deleted": 3})
    thread = reader.get(f"/articles/{first}/comments").json()
    assert [c["id"] for c in thread["comments"]] == [other] and thread["count"] == 1
    assert reader.get(f"/articles/{second}/comments").json()["comments"] == []
    recent = [c["id"] for c in reader.get("/recent").json()["comments"]]
    assert other in recent and not {old, reply["comment"]["id"], hidden} & set(recent)
    assert reader.get(f"/nics/{me}/comments").json()["count"] == 0
    assert editor.get("/moderation/hidden", params={"article_id": second}).json()["data"] == []
    # One removal per comment that was public (the hidden one's went as it was hidden).
    assert sorted(e["comment_id"] for e in events(api, "comment.removed")[removed_before:]
                  ) == sorted([old, reply["comment"]["id"]])
    assert events(api, "commenter.forgotten")[-1] == {"commenter_id": commenter_id}
    with api.service.runtime.engine.connect() as connection:  # the words are gone, too
        assert connection.execute(text(
            "SELECT DISTINCT body || body_html FROM comment WHERE commenter_id = :id"),
            {"id": commenter_id}).scalars().all() == [""]
    profile = as_commenter(api, token).get("/commenters/me").json()
    assert profile["comment_count"] == 0 and sorted(profile["nics"]) == sorted([me, alias])

    again = as_commenter(api, token).post("/commenters/me/forget", json=YES)
    assert again.json() == {"deleted": 0}
    assert len(events(api, "commenter.forgotten")) >= 2  # harmless: notify has done it
    post(reader, first, "Back again", token=token, nic=me)  # the nics are still theirs


def test_forget_me_needs_a_token_and_a_confirmation(api: CommentsApi) -> None:
    article = api.open_article()
    token = post(api.client(), article, "Kept")["commenter_token"]
    mine = as_commenter(api, token)
    assert api.client().post("/commenters/me/forget", json=YES).status_code == 401
    assert as_commenter(api, "forged").post("/commenters/me/forget",
                                            json=YES).status_code == 401
    for body in (None, {}, {"confirm": False}, {"confirm": "yes"}):
        refused = mine.post("/commenters/me/forget", json=body)
        assert refused.status_code == 422, refused.text
    assert mine.get("/commenters/me").json()["comment_count"] == 1  # nothing changed


def test_an_editor_forgets_the_commenter_who_holds_a_nic(api: CommentsApi) -> None:
    article = api.open_article()
    reader, editor = api.client(), api.moderator()
    troll = nic()
    token = post(reader, article, "One", nic=troll)["commenter_token"]
    post(reader, article, "Two", nic=nic(), token=token)
    url = f"/nics/{troll.upper()}/forget"
    assert reader.post(url, json=YES).status_code == 401
    assert api.client(headers={"Authorization": f"Bearer {token}"}).post(
        url, json=YES).status_code == 401
    assert editor.post("/nics/nobody-has-this/forget", json=YES).status_code == 404
    assert editor.post(url, json={}).status_code == 422
    assert editor.post(f"/nics/{troll}/ban").status_code == 204  # banned: forgotten all the same
    done = editor.post(url, json=YES)
    assert (done.status_code, done.json()) == (200, {"deleted": 2})
    assert reader.get(f"/articles/{article}/comments").json()["count"] == 0
    # The moderation audit says which editor forgot whom (after the ban).
    latest = editor.get("/moderation/audit", params={"limit": 2}).json()["data"]
    assert [(r["action"], r["nic"]) for r in latest] == [("forget", troll), ("ban", troll)]
    assert latest[0]["editor"] == latest[1]["editor"] and latest[0]["editor"]
