"""Search on a running Burg: the events of the posts and comments services reach its worker
through its own queue and inbox; removals take effect at once; the rebuild command replays
the public APIs."""

import os
import subprocess
import sys

import redis

from services.search.version import KEY
from tests.comments.helpers import moderator, post
from tests.conftest import Stack, wait_for
from tests.search.helpers import found, publish, word


def test_published_edited_removed_and_retracted_as_the_events_say(stack: Stack) -> None:
    story, remark, later = word(), word(), word()
    article = publish(stack, f"News of {story}", f"The {story} happened today.")
    note = post(stack.client("comments"), article["id"], f"A {remark} of mine.")
    token, comment_id = note["commenter_token"], note["comment"]["id"]
    other = post(stack.client("comments"), article["id"], f"Another {remark}.")["comment"]
    wait_for(lambda: found(stack, remark) == [("comment", other["id"]),
                                              ("comment", comment_id)],
             what="both comments in search")
    assert found(stack, story) == [("article", article["id"])]

    edited = stack.client("comments").patch(f"/comments/{comment_id}",
                                            headers={"X-Commenter-Token": token},
                                            json={"body": f"A {later} of mine."})
    assert edited.status_code == 200, edited.text
    wait_for(lambda: found(stack, later) == [("comment", comment_id)], what="the edit")
    assert found(stack, remark) == [("comment", other["id"])]  # the same commit

    moderator(stack).post(f"/comments/{other['id']}/hide").raise_for_status()
    wait_for(lambda: found(stack, remark) == [], what="the hidden comment to leave")
    stack.editor().post(f"/articles/{article['id']}/retract").raise_for_status()
    wait_for(lambda: found(stack, story) == found(stack, later) == [],
             what="the retracted article and its comments to leave")


def test_rebuild_replays_the_public_apis(stack: Stack) -> None:
    kept = word()
    article = publish(stack, f"Kept {kept}", f"Body with {kept}.")
    comment = post(stack.client("comments"), article["id"], f"{kept} too")["comment"]
    wait_for(lambda: len(found(stack, kept)) == 2, what="the article and comment indexed")
    stack.sql("search", "DELETE FROM searchdoc")  # the index lost (FTS5 rows linger, unseen)
    # A loss behind the service's back: its API's kept pages know of it once told.
    redis.Redis.from_url(stack.env["BURG_REDIS_URL"]).incr(KEY)
    assert found(stack, kept) == []
    rebuild(stack)
    assert found(stack, kept) == [("comment", comment["id"]), ("article", article["id"])]


def test_what_left_search_stays_gone_after_a_rebuild(stack: Stack) -> None:
    """The public APIs list neither retracted articles nor removed comments: the rebuild keeps
    their marks, so that a late event of their older state still cannot bring them back."""
    gone, shown = word(), word()
    retracted = publish(stack, f"Retracted {gone}", f"Body with {gone}.")
    article = publish(stack, f"Kept {shown}", f"Body with {shown}.")
    hidden = post(stack.client("comments"), article["id"], f"{gone} hidden")["comment"]
    comment = post(stack.client("comments"), article["id"], f"{shown} too")["comment"]
    wait_for(lambda: len(found(stack, gone)) == 2 and len(found(stack, shown)) == 2,
             what="all indexed")
    stack.editor().post(f"/articles/{retracted['id']}/retract").raise_for_status()
    moderator(stack).post(f"/comments/{hidden['id']}/hide").raise_for_status()
    wait_for(lambda: found(stack, gone) == [], what="the retraction and the hidden comment")
    # A mark on what the APIs show: a hide handled after the restore that followed it.
    stack.sql("search", "INSERT INTO searchgone (kind, ref_id, gone_at)"
              " VALUES ('comment', :id, CURRENT_TIMESTAMP)", id=comment["id"])
    marks = "SELECT kind, ref_id FROM searchgone WHERE ref_id IN (:a, :h, :c)"
    ids = {"a": retracted["id"], "h": hidden["id"], "c": comment["id"]}

    rebuild(stack)
    assert set(stack.sql("search", marks, **ids)) == {("article", retracted["id"]),
                                                      ("comment", hidden["id"])}
    assert found(stack, gone) == []
    assert found(stack, shown) == [("comment", comment["id"]), ("article", article["id"])]


def rebuild(stack: Stack) -> None:
    rebuilt = subprocess.run([sys.executable, "-m", "services.search.cli", "rebuild"],
                             env=os.environ | stack.env, capture_output=True, text=True,
                             timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "articles and comments indexed" in rebuilt.stdout
