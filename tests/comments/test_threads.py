"""Threads over HTTP: replies at any depth, thread order, counts, pages both ways, where a
comment is, placeholders for removed comments with replies, one comment."""

import subprocess
import sys
from typing import Any

import httpx

from tests.comments.helpers import moderator, nic, open_article, post
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


def _walk(comments: httpx.Client, article: int, limit: int) -> list[dict[str, Any]]:
    """Every page of the thread, following `next_cursor` from the first."""
    pages, params = [], {"limit": limit}
    while True:
        page = comments.get(f"/articles/{article}/comments", params=params).json()
        pages.append(page)
        if page["next_cursor"] is None:
            return pages
        params = {"limit": limit, "cursor": page["next_cursor"]}


def test_pages_of_a_thread_link_both_ways(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    top = [post(comments, article, f"Top {n}")["comment"]["id"] for n in range(7)]
    for n in range(3):
        post(comments, article, f"Reply {n}", parent_id=top[1])
    forward = _walk(comments, article, 4)
    assert [len(p["comments"]) for p in forward] == [4, 4, 2]
    assert forward[0]["previous_cursor"] is None
    # Back from the last page with `previous_cursor` as `before`: the same pages, in reverse.
    back, page = [forward[-1]], forward[-1]
    while page["previous_cursor"] is not None:
        page = comments.get(f"/articles/{article}/comments", params={
            "limit": 4, "before": page["previous_cursor"]}).json()
        back.append(page)
    assert [[c["id"] for c in p["comments"]] for p in back] == [
        [c["id"] for c in p["comments"]] for p in reversed(forward)]
    assert back[-1]["previous_cursor"] is None and back[-1]["next_cursor"] is not None
    both = comments.get(f"/articles/{article}/comments", params={
        "cursor": forward[1]["next_cursor"], "before": forward[1]["previous_cursor"]})
    assert both.status_code == 422 and "cursor, before" in both.json()["detail"]
    bad = comments.get(f"/articles/{article}/comments", params={"before": "%%%"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("before:")


def test_the_place_of_a_comment_is_the_page_that_holds_it(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    top = [post(comments, article, f"Top {n}")["comment"]["id"] for n in range(6)]
    late = post(comments, article, "A late reply, shown on the first page",
                parent_id=top[0])["comment"]["id"]
    pages = _walk(comments, article, 3)
    cursors = [None] + [p["next_cursor"] for p in pages[:-1]]
    for cursor, page in zip(cursors, pages, strict=True):
        for comment in page["comments"]:
            place = comments.get(f"/comments/{comment['id']}/place", params={"limit": 3})
            assert place.status_code == 200, place.text
            assert place.json()["cursor"] == cursor and place.json()["limit"] == 3
            assert place.json()["article_id"] == article and place.json()["removed"] is False
    # The late reply sits on the first page, beside its parent: the last top comment is
    # pushed to the third.
    assert late in [c["id"] for c in pages[0]["comments"]]
    assert [c["id"] for c in pages[2]["comments"]] == [top[5]]
    for unknown in (2**31 - 1, top[5] + 10_000):
        assert comments.get(f"/comments/{unknown}/place").status_code == 404
    assert comments.get(f"/comments/{top[0]}/place", params={"limit": 0}).status_code == 422


def test_a_removed_comment_with_replies_stays_as_a_placeholder(stack: Stack) -> None:
    article = open_article(stack)
    comments, editor = stack.client("comments"), moderator(stack)
    secret = nic()
    parent = post(comments, article, "Secret words", nic=secret,
                  website="https://secret.example/")["comment"]
    reply = post(comments, article, "A reply", parent_id=parent["id"])["comment"]
    lone = post(comments, article, "Hidden, with no reply")["comment"]
    gone = post(comments, article, "Deleted parent")["comment"]
    hidden_child = post(comments, article, "Hidden child", parent_id=gone["id"])["comment"]
    grandchild = post(comments, article, "Grandchild", parent_id=hidden_child["id"])["comment"]
    for comment in (parent, lone, hidden_child):
        editor.post(f"/comments/{comment['id']}/hide").raise_for_status()
    assert editor.delete(f"/comments/{gone['id']}").status_code == 204

    response = comments.get(f"/articles/{article}/comments")
    thread = response.json()
    assert [(c["id"], c["depth"], c["removed"]) for c in thread["comments"]] == [
        (parent["id"], 0, True), (reply["id"], 1, False),
        (gone["id"], 0, True), (hidden_child["id"], 1, True), (grandchild["id"], 2, False)]
    placeholder = thread["comments"][0]
    assert placeholder["nic"] == "" and placeholder["body_html"] == ""
    assert placeholder["website"] is None and placeholder["status"] == "removed"
    for private in ("Secret words", secret, "secret.example", "Hidden, with no reply",
                    "Hidden child", "Deleted parent"):
        assert private not in response.text
    assert thread["count"] == 2  # the comments one can read
    # Placeholders take their place in pages too; the permalink of one opens its page.
    pages = _walk(comments, article, 2)
    assert [[c["id"] for c in p["comments"]] for p in pages] == [
        [parent["id"], reply["id"]], [gone["id"], hidden_child["id"]], [grandchild["id"]]]
    place = comments.get(f"/comments/{hidden_child['id']}/place", params={"limit": 2}).json()
    assert place["cursor"] == pages[0]["next_cursor"] and place["removed"] is True
    assert comments.get(f"/comments/{lone['id']}/place").status_code == 404
    # Once the last reply below it goes, a placeholder goes too.
    editor.post(f"/comments/{reply['id']}/hide").raise_for_status()
    ids = [c["id"] for c in comments.get(f"/articles/{article}/comments").json()["comments"]]
    assert ids == [gone["id"], hidden_child["id"], grandchild["id"]]
    editor.post(f"/comments/{parent['id']}/restore").raise_for_status()
    again = comments.get(f"/articles/{article}/comments").json()["comments"]
    assert again[0]["id"] == parent["id"] and again[0]["nic"] == secret
    assert again[0]["removed"] is False


def test_a_rebuilt_feed_takes_no_placeholder_for_a_comment(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    parent = post(comments, article, "Taken down")["comment"]
    reply = post(comments, article, "Answer", parent_id=parent["id"])["comment"]
    moderator(stack).post(f"/comments/{parent['id']}/hide").raise_for_status()
    assert comments.get(f"/articles/{article}/comments").json()["comments"][0]["removed"]
    run = subprocess.run([sys.executable, "-m", "services.feeds.cli", "rebuild"],
                         env=stack.env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    feed = stack.client("feeds").get(f"/articles/{article}/comments.json").json()
    assert [i["id"].rsplit("-", 1)[1] for i in feed["items"]] == [str(reply["id"])]


def test_counts_of_many_articles_in_one_get_with_an_etag(stack: Stack) -> None:
    first, second = open_article(stack), open_article(stack)
    comments = stack.client("comments")
    post(comments, first, "One")
    asked = {"article_id": [first, second, 999_999_999]}
    counted = comments.get("/counts", params=asked)
    assert counted.json() == {"counts": {str(first): 1, str(second): 0}}  # unknown: left out
    etag = {"If-None-Match": counted.headers["etag"]}
    assert comments.get("/counts", params=asked, headers=etag).status_code == 304
    post(comments, second, "Two")
    again = comments.get("/counts", params=asked, headers=etag)
    assert again.status_code == 200 and again.json()["counts"][str(second)] == 1
    for bad in ({}, {"article_id": ["x"]}, {"article_id": [0]}, {"article_id": [2**63]},
                {"article_id": list(range(1, 102))}):
        refused = comments.get("/counts", params=bad)
        assert refused.status_code == 422 and "article_id" in refused.text, bad
