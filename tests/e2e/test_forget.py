"""Forget me across the whole stack: after a commenter is forgotten, their comments are gone
from the threads, the comment feeds, the search results and /recent, and notify sends nothing
more to their address, not even for the article whose thread they followed."""

import uuid

from tests.conftest import Stack, wait_for
from tests.feeds.helpers import shows
from tests.search.helpers import found, publish, word


def test_a_forgotten_commenter_leaves_every_list_and_gets_no_more_mail(stack: Stack) -> None:
    w1, w2 = word(), word()
    first = publish(stack, "Forgetting, first", "x")["id"]
    second = publish(stack, "Forgetting, second", "x")["id"]
    comments = stack.client("comments")
    tag = uuid.uuid4().hex[:8]
    mine, theirs = f"forget-me-{tag}@example.org", f"follower-{tag}@example.org"

    def post(article: int, body: str, token: str | None = None, **fields: object) -> dict:
        headers = {"X-Commenter-Token": token} if token else {}
        made = comments.post(f"/articles/{article}/comments", headers=headers,
                             json={"nic": fields.pop("nic", f"N{uuid.uuid4().hex[:8]}"),
                                   "body": body} | fields)
        assert made.status_code == 201, made.text
        return dict(made.json())

    followed = post(second, f"Mine {w2}", nic=f"Forgotten {tag}", email=mine,
                    notify_replies=True, follow_thread=True)
    token = followed["commenter_token"]
    stack.confirm(mine)
    on_first = post(first, f"Mine too {w1}", token, nic=f"Forgotten {tag}")["comment"]["id"]
    other = post(first, "Someone else's")["comment"]["id"]
    post(second, "I follow too", email=theirs, follow_thread=True)
    stack.confirm(theirs)
    post(second, "A reply", parent_id=followed["comment"]["id"])
    wait_for(lambda: stack.replies_to(mine), what="a reply e-mail before forgetting")
    wait_for(lambda: found(stack, w1) and shows(stack, "comments", w2)
             and shows(stack, f"articles/{first}/comments", w1), what="mine everywhere")
    recent = comments.get("/recent").json()["comments"]
    assert on_first in [c["id"] for c in recent]

    done = comments.post("/commenters/me/forget", json={"confirm": True},
                         headers={"X-Commenter-Token": token})
    assert (done.status_code, done.json()) == (200, {"deleted": 2})

    thread = comments.get(f"/articles/{first}/comments").json()
    assert [c["id"] for c in thread["comments"]] == [other]
    assert not {on_first, followed["comment"]["id"]} & {
        c["id"] for c in comments.get("/recent").json()["comments"]}
    wait_for(lambda: not found(stack, w1) and not found(stack, w2), what="mine out of search")
    wait_for(lambda: not shows(stack, "comments", w1) and not shows(stack, "comments", w2)
             and not shows(stack, f"articles/{first}/comments", w1)
             and not shows(stack, f"articles/{second}/comments", w2),
             what="mine out of the comment feeds")
    wait_for(lambda: stack.sql("notify", "SELECT consent FROM address WHERE email = :email",
                               email=mine) == [("unsubscribed",)],
             what="the address unsubscribed", explain=lambda: stack.mail_trail(mine))

    # A new comment on the thread they followed: the other follower hears of it, they do not.
    replies_before, theirs_before = len(stack.replies_to(mine)), len(stack.replies_to(theirs))
    news = post(second, f"News {tag}")["comment"]["id"]
    wait_for(lambda: any(f"/comments/{news}" in m.get_body(preferencelist=("plain",))
                         .get_content() for m in stack.replies_to(theirs)[theirs_before:]),
             what="the other follower's e-mail", explain=lambda: stack.mail_trail(theirs))
    assert len(stack.replies_to(mine)) == replies_before
    assert stack.sql("notify", "SELECT d.key FROM delivery d JOIN address a ON "
                     "a.id = d.address_id WHERE a.email = :email AND d.status IN "
                     "('waiting', 'held', 'sending')", email=mine) == []
    assert stack.sql("notify", "SELECT s.id FROM subscription s JOIN address a ON "
                     "a.id = s.address_id WHERE a.email = :email", email=mine) == []
