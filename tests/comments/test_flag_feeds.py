"""On the session's Burg: a comment enough distinct readers report is held, and leaves its
article's feed as a comment an editor hides does (`comment.removed`, through the outbox and
the feeds worker). Each reader comes from an address of their own: the test plays the
gateway, the one peer whose X-Forwarded-For the services trust."""

import itertools

import httpx

from tests.comments.helpers import comment_feed, moderator, open_article, post
from tests.conftest import GATEWAY_ADDRESS, Stack, wait_for

ADDRESSES = (f"203.0.113.{n}" for n in itertools.count(1))
HOLD_AFTER = 5  # BURG_COMMENTS_HOLD_AFTER_FLAGS's default, which the stack keeps


def reader(stack: Stack) -> httpx.Client:
    """A reader at an address of their own, as the gateway forwards them."""
    return stack.client("comments", headers={"X-Forwarded-For": next(ADDRESSES)},
                        transport=httpx.HTTPTransport(local_address=GATEWAY_ADDRESS))


def test_a_comment_held_for_its_reports_leaves_the_feed(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    keep = post(comments, article, "Fair comment.")["comment"]["id"]
    rude = post(comments, article, "Rude comment.")["comment"]["id"]
    wait_for(lambda: len(comment_feed(stack, article)) == 2, what="both comments in the feed")
    for n in range(HOLD_AFTER):
        assert comments.get(f"/comments/{rude}").status_code == 200, n
        made = reader(stack).post(f"/comments/{rude}/flags", json={"reason": f"rude {n}"})
        assert made.status_code == 201, made.text
    assert comments.get(f"/comments/{rude}").status_code == 404
    thread = comments.get(f"/articles/{article}/comments").json()
    assert [c["id"] for c in thread["comments"]] == [keep] and thread["count"] == 1
    wait_for(lambda: comment_feed(stack, article) == ["<p>Fair comment.</p>"],
             what="the held comment out of the feed")
    [held] = moderator(stack).get("/moderation/flagged", params={"article_id": article}
                                  ).json()["data"]
    assert (held["comment"]["id"], held["comment"]["status"], held["flags"]) == (
        rude, "hidden", HOLD_AFTER)
    assert sorted(r["reason"] for r in held["reasons"]) == [f"rude {n}" for n in
                                                             range(HOLD_AFTER)]
    # Restored by the editor: back in the feed, out of the list.
    assert moderator(stack).post(f"/comments/{rude}/restore").status_code == 200
    wait_for(lambda: len(comment_feed(stack, article)) == 2, what="the comment back in the feed")
