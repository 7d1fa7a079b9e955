"""The rebuild command against a running Burg whose feeds service lost its data (WebSub is in
test_websub.py)."""

import subprocess
import sys
import uuid

import httpx

from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.posts.helpers import new_article, new_category


def test_rebuild_brings_back_every_feed_from_the_public_apis(stack: Stack) -> None:
    category = new_category(stack)
    article = new_article(stack, category["slug"])
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{article['id']}/comments").status_code == 200,
             what="the article in comments")
    notes = [post(comments, article["id"], f"Note {n} {uuid.uuid4().hex[:6]}") for n in range(3)]
    feeds = stack.client("feeds")
    thread = f"/articles/{article['id']}/comments.json"
    wait_for(lambda: feeds.get(thread).status_code == 200
             and len(feeds.get(thread).json()["items"]) == 3, what="the comments in their feed")

    # Data loss: this category's and this article's read model and documents are gone.
    stack.sql("feeds", "DELETE FROM feedcomment WHERE article_id = :id", id=article["id"])
    stack.sql("feeds", "DELETE FROM feedarticle WHERE article_id = :id", id=article["id"])
    stack.sql("feeds", "DELETE FROM feeddocument WHERE path LIKE :one OR path LIKE :other",
              one=f"categories/{category['slug']}.%", other=f"articles/{article['id']}/%")
    wait_for(lambda: feeds.get(thread).status_code == 404, what="the feed to be gone")

    run = subprocess.run([sys.executable, "-m", "services.feeds.cli", "rebuild"],
                         env=stack.env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "categories" in run.stdout and "read model replaced" in run.stdout
    assert "feeds rendered" in run.stdout.splitlines()[-1]
    items = wait_for(lambda: (r := httpx.get(f"{stack.urls['feeds']}/feeds{thread}", timeout=10))
                     .status_code == 200 and r.json()["items"], what="the rebuilt comment feed")
    assert {i["url"].rsplit("/", 1)[1] for i in items} == {
        str(n["comment"]["id"]) for n in notes}
    rebuilt = feeds.get(f"/categories/{category['slug']}.json").json()
    assert [i["title"] for i in rebuilt["items"]] == [article["title"]]
