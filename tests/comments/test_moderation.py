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
