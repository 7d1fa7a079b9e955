"""Threads over HTTP: replies at any depth, thread order, counts, pages, one comment."""

from tests.comments.helpers import open_article, post
from tests.conftest import Stack


def test_replies_follow_their_parents_with_depth_and_count(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    first = post(comments, article, "First")["comment"]
    second = post(comments, article, "Second")["comment"]
    reply = post(comments, article, "Reply to first", parent_id=first["id"])["comment"]
    deeper = post(comments, article, "Reply to reply", parent_id=reply["id"])["comment"]
    post(comments, article, "Another reply to first", parent_id=first["id"])
    thread = comments.get(f"/articles/{article}/comments").json()
    assert [(c["body_html"], c["depth"]) for c in thread["comments"]] == [
        ("<p>First</p>", 0), ("<p>Reply to first</p>", 1), ("<p>Reply to reply</p>", 2),
        ("<p>Another reply to first</p>", 1), ("<p>Second</p>", 0)]
    assert thread["count"] == 5 and thread["open"] is True
    assert deeper["parent_id"] == reply["id"]
    one = comments.get(f"/comments/{second['id']}").json()
    assert one["body_html"] == "<p>Second</p>" and one["status"] == "visible"


def test_long_threads_come_in_pages_that_join_up(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    top = [post(comments, article, f"Top {n}")["comment"]["id"] for n in range(6)]
    for n in range(3):
        post(comments, article, f"Reply {n}", parent_id=top[2])
    whole = comments.get(f"/articles/{article}/comments").json()["comments"]
    pages, cursor = [], None
    while True:
        page = comments.get(f"/articles/{article}/comments",
                            params={"limit": 4} | ({"cursor": cursor} if cursor else {})).json()
        pages.append(page["comments"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [4, 4, 1]
    assert [c["id"] for p in pages for c in p] == [c["id"] for c in whole]
    assert comments.get(f"/articles/{article}/comments",
                        params={"cursor": "%%%"}).status_code == 422


def test_a_reply_chain_deeper_than_the_indent_limit_stays_in_order(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    parent = None
    for n in range(45):
        parent = post(comments, article, f"Level {n}", parent_id=parent)["comment"]["id"]
    thread = comments.get(f"/articles/{article}/comments").json()["comments"]
    assert [c["body_html"] for c in thread] == [f"<p>Level {n}</p>" for n in range(45)]
    assert max(c["depth"] for c in thread) == 40  # shown no deeper; the parent is kept
    assert thread[-1]["parent_id"] == thread[-2]["id"]
