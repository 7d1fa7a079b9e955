"""Comments imported by the command line reach the whole stack as posted ones do (the thread,
the article's comment feed, search, the article's page), and send no e-mail: a reader who
follows the thread hears of the next comment posted, not of the imported ones."""

import subprocess
import sys
import uuid
from pathlib import Path

from tests.comments.helpers import comment_feed, open_article
from tests.conftest import Stack, wait_for

EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written for this test: a WordPress export whose one post is the stack's article. -->
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>
<title>Open</title><link>{link}</link><wp:post_id>1</wp:post_id>
<wp:post_type>post</wp:post_type>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author>Old Reader {tag}</wp:comment_author>
<wp:comment_author_email>old-{tag}@example.org</wp:comment_author_email>
<wp:comment_date_gmt>2020-02-02 10:00:00</wp:comment_date_gmt>
<wp:comment_content>The {word} was here first.</wp:comment_content>
<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>
</wp:comment>
<wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_author>Replier {tag}</wp:comment_author>
<wp:comment_date_gmt>2020-02-02 11:00:00</wp:comment_date_gmt>
<wp:comment_content>And the {word} stayed.</wp:comment_content>
<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>1</wp:comment_parent>
</wp:comment>
</item></channel></rss>
"""


def test_imported_comments_reach_thread_feed_search_and_page_and_mail_no_one(
        stack: Stack, tmp_path: Path) -> None:
    article = open_article(stack)
    tag = uuid.uuid4().hex[:8]
    word = f"quayside{tag}"
    comments = stack.client("comments")
    follower = f"follower-{tag}@example.org"
    url = f"/articles/{article}/comments"
    comments.post(url, json={"nic": f"Follower {tag}", "body": "I follow this.",
                             "email": follower, "follow_thread": True}).raise_for_status()
    stack.confirm(follower)
    [(link,)] = stack.sql("comments", "SELECT url FROM articlereplica WHERE article_id = :id",
                          id=article)
    export = tmp_path / "export.xml"
    export.write_text(EXPORT.format(link=link, tag=tag, word=word), encoding="utf-8")

    done = subprocess.run([sys.executable, "-m", "services.comments.cli", "import-wordpress",
                           str(export)], env=stack.env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "comment: 2 imported" in done.stdout

    thread = comments.get(url).json()
    assert thread["count"] == 3
    imported = [c for c in thread["comments"] if word in c["body_html"]]
    assert [(c["nic"], c["depth"]) for c in imported] == [
        (f"Old Reader {tag}", 0), (f"Replier {tag}", 1)]
    wait_for(lambda: sum(word in entry for entry in comment_feed(stack, article)) == 2 or None,
             what="the imported comments in the article's comment feed")
    search = stack.client("search")
    wait_for(lambda: len([hit for hit in search.get("/", params={"q": word}).json()["results"]
                          if hit["kind"] == "comment"]) == 2 or None,
             what="the imported comments in search")
    site = stack.client("site")
    wait_for(lambda: word in site.get(link.removeprefix(stack.urls["site"])).text or None,
             what="the imported comments on the article's page")

    # A comment posted now: its e-mail to the follower comes after notify handled the
    # imported ones (one queue, in order), and it is the only one.
    comments.post(url, json={"nic": f"Latecomer {tag}", "body": "Posted today."}
                  ).raise_for_status()
    wait_for(lambda: stack.replies_to(follower), what="the e-mail of the comment posted now",
             explain=lambda: stack.mail_trail(follower))
    mails = stack.replies_to(follower)
    assert len(mails) == 1
    text = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert "Posted today." in text and word not in text
    assert not any(m["To"] == f"old-{tag}@example.org" for m in stack.mails())
