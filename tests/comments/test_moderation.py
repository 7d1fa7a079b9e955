"""Editors moderate over HTTP with the same token as in the posts service."""

from tests.comments.helpers import comment_feed, moderator, nic, open_article, post
from tests.conftest import Stack, wait_for


def test_hide_restore_and_delete_reach_the_thread_count_and_feed(stack: Stack) -> None:
    article = open_article(stack)
    comments, editor = stack.client("comments"), moderator(stack)
    keep = post(comments, article, "Keep")["comment"]["id"]
    spam = post(comments, article, "Buy pills")["comment"]["id"]
    wait_for(lambda: len(comment_feed(stack, article)) == 2, what="both comments in the feed")
    assert editor.post(f"/comments/{spam}/hide").json()["status"] == "hidden"
    thread = comments.get(f"/articles/{article}/comments").json()
    assert [c["id"] for c in thread["comments"]] == [keep] and thread["count"] == 1
    assert comments.get(f"/comments/{spam}").status_code == 404
    wait_for(lambda: comment_feed(stack, article) == ["<p>Keep</p>"], what="spam out of feed")
    hidden = editor.get("/moderation/hidden", params={"article_id": article}).json()["data"]
    assert [c["id"] for c in hidden] == [spam]
    assert editor.get("/moderation/hidden", params={"article_id": article + 10**6}
                      ).json()["data"] == []
    assert comments.get("/moderation/hidden").status_code == 401
    assert editor.get("/moderation/hidden", params={"article_id": "x"}).status_code == 422
    assert editor.post(f"/comments/{spam}/restore").json()["status"] == "visible"
    assert comments.get(f"/articles/{article}/comments").json()["count"] == 2
    assert editor.get("/moderation/hidden", params={"article_id": article}).json()["data"] == []
    wait_for(lambda: len(comment_feed(stack, article)) == 2, what="spam back in the feed")
    assert editor.delete(f"/comments/{spam}").status_code == 204
    assert editor.post(f"/comments/{spam}/restore").status_code == 404
    assert comments.get(f"/articles/{article}/comments").json()["count"] == 1


def test_moderation_needs_an_editor_token(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    posted = post(comments, article, "Hi")
    token, comment_id = posted["commenter_token"], posted["comment"]["id"]
    for headers in ({}, {"Authorization": "Bearer forged"},
                    {"Authorization": f"Bearer {token}"}):
        response = comments.post(f"/comments/{comment_id}/hide", headers=headers)
        assert response.status_code == 401
    assert comments.get(f"/comments/{comment_id}").status_code == 200


def test_a_banned_commenter_cannot_comment_under_any_nic(stack: Stack) -> None:
    article = open_article(stack)
    comments, editor = stack.client("comments"), moderator(stack)
    troll, alias = nic(), nic()
    token = post(comments, article, "Trolling", nic=troll)["commenter_token"]
    post(comments, article, "Again", nic=alias, token=token)
    assert editor.post(f"/nics/{troll.upper()}/ban").status_code == 204
    for name in (troll, alias):
        refused = comments.post(f"/articles/{article}/comments", json={"nic": name, "body": "x"},
                                headers={"X-Commenter-Token": token})
        assert refused.status_code == 403 and "banned" in refused.json()["detail"]
    assert editor.post("/nics/nobody-has-this/ban").status_code == 404
    assert editor.post(f"/nics/{troll}/unban").status_code == 204
    post(comments, article, "Reformed", nic=troll, token=token)


def test_one_call_moderates_many_comments_and_names_those_it_could_not(stack: Stack) -> None:
    article = open_article(stack)
    comments, editor = stack.client("comments"), moderator(stack)
    first, second = (post(comments, article, text)["comment"]["id"] for text in ("A", "B"))
    hidden = editor.post("/moderation/actions", json={
        "action": "hide", "comment_ids": [first, 999999, second, first]})
    assert hidden.status_code == 200
    assert hidden.json()["done"] == [first, second]
    assert hidden.json()["refused"] == [
        {"comment_id": 999999, "status": 404, "detail": "no comment 999999"}]
    assert comments.get(f"/articles/{article}/comments").json()["count"] == 0
    audit = editor.get("/moderation/audit", params={"limit": 2}).json()["data"]
    assert {(a["action"], a["comment_id"]) for a in audit} == {("hide", first),
                                                                ("hide", second)}
    approve = editor.post("/moderation/actions", json={"action": "approve",
                                                        "comment_ids": [first]}).json()
    assert approve["done"] == [] and approve["refused"][0]["status"] == 409
    assert "only a waiting comment" in approve["refused"][0]["detail"]
    restored = editor.post("/moderation/actions", json={"action": "restore",
                                                         "comment_ids": [second]})
    assert restored.json() == {"done": [second], "refused": []}
    thread = comments.get(f"/articles/{article}/comments").json()
    assert [c["id"] for c in thread["comments"]] == [second]
    wait_for(lambda: comment_feed(stack, article) == ["<p>B</p>"], what="only B in the feed")


def test_a_batch_of_moderation_refuses_bad_requests_whole(stack: Stack) -> None:
    article = open_article(stack)
    comments, editor = stack.client("comments"), moderator(stack)
    posted = post(comments, article, "Stays")
    comment_id = posted["comment"]["id"]
    for body in ({"action": "explode", "comment_ids": [comment_id]},
                 {"action": "hide", "comment_ids": []},
                 {"action": "hide", "comment_ids": list(range(1, 302))},
                 {"action": "hide", "comment_ids": [0]},
                 {"action": "hide", "comment_ids": [2**31]},
                 {"action": "hide", "comment_ids": "all"},
                 {"action": "hide"}):
        assert editor.post("/moderation/actions", json=body).status_code == 422, body
    for headers in ({}, {"Authorization": "Bearer forged"},
                    {"Authorization": f"Bearer {posted['commenter_token']}"}):
        assert comments.post("/moderation/actions", headers=headers, json={
            "action": "delete", "comment_ids": [comment_id]}).status_code == 401
    assert comments.get(f"/articles/{article}/comments").json()["count"] == 1
