"""A commenter edits or deletes their own comment over HTTP; the events reach the feeds."""

from tests.comments.helpers import comment_feed, open_article, post
from tests.conftest import Stack, wait_for


def test_author_edits_and_deletes_and_the_comment_feed_follows(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    posted = post(comments, article, "Frist")
    token, comment_id = posted["commenter_token"], posted["comment"]["id"]
    wait_for(lambda: comment_feed(stack, article) == ["<p>Frist</p>"], what="the comment feed")
    edited = comments.patch(f"/comments/{comment_id}", json={"body": "[b]First[/b]"},
                            headers={"X-Commenter-Token": token})
    assert edited.status_code == 200 and edited.json()["edited_at"] is not None
    assert edited.json()["body_html"] == "<p><strong>First</strong></p>"
    wait_for(lambda: comment_feed(stack, article) == ["<p><strong>First</strong></p>"],
             what="the edit in the comment feed")
    gone = comments.delete(f"/comments/{comment_id}", headers={"X-Commenter-Token": token})
    assert gone.status_code == 204
    assert comments.get(f"/comments/{comment_id}").status_code == 404
    assert comments.get(f"/articles/{article}/comments").json()["count"] == 0
    wait_for(lambda: comment_feed(stack, article) == [], what="the comment to leave the feed")


def test_only_the_author_may_edit_or_delete(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    mine = post(comments, article, "Mine")["comment"]["id"]
    someone = post(comments, article, "Someone else")["commenter_token"]
    other = {"X-Commenter-Token": someone}
    assert comments.patch(f"/comments/{mine}", json={"body": "x"}, headers=other).status_code == 403
    assert comments.delete(f"/comments/{mine}", headers=other).status_code == 403
    assert comments.patch(f"/comments/{mine}", json={"body": "x"}).status_code == 401
    assert comments.get(f"/comments/{mine}").json()["body_html"] == "<p>Mine</p>"
