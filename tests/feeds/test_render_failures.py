"""On a running Burg: text already stored that XML cannot carry still renders, and a document
whose render fails for good is logged, retried, set aside where the feeds CLI lists it (and
put back by it), while every other feed keeps being rendered."""

import subprocess
import sys

from services.feeds.settings import FeedsSettings
from tests.comments.helpers import open_article, post
from tests.conftest import Stack, wait_for
from tests.databases import as_json
from tests.feeds.helpers import entry_id, feed_json, shows, stamp, store_comment
from tests.feeds.strict import assert_strict
from tests.posts.helpers import new_article, new_category

ATTEMPTS = FeedsSettings().render_attempts  # the stack runs with the default


def cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "services.feeds.cli", *args], env=stack.env,
                          capture_output=True, text=True, timeout=120)


def test_stored_text_xml_forbids_still_renders(stack: Stack) -> None:
    article = open_article(stack)
    poison = store_comment(stack, article, nic="Poison\uffffNic",
                           body_html="<p>bell\x07 tab\t vt\x0b c1\x85 nonchar\ufdd0 "
                                     "\U0010ffff end</p>")
    real = post(stack.client("comments"), article, "After the poison.")["comment"]["id"]
    for stem in (f"articles/{article}/comments", "comments"):
        wait_for(lambda s=stem: shows(stack, s, entry_id(real)),
                 what=f"the new comment in {stem}")
        document = feed_json(stack, stem)
        assert document is not None
        [item] = [i for i in document["items"] if i["id"].endswith(f":comment-{poison}")]
        assert item["authors"] == [{"name": "Poison\ufffdNic"}]
        assert item["content_html"] == ("<p>bell\ufffd tab\t vt\ufffd c1\ufffd nonchar\ufffd "
                                        "\ufffd end</p>")
        for fmt in ("rss", "atom", "json"):
            assert_strict(f"{stem}.{fmt}", stack.client("feeds").get(f"{stem}.{fmt}").content)


def listed(stack: Stack) -> str:
    run = cli(stack, "render-failures")
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_a_feed_that_fails_to_render_is_set_aside_and_the_others_render(stack: Stack) -> None:
    article = open_article(stack)
    broken = f"articles/{article}/comments"
    wait_for(lambda: feed_json(stack, broken), what="the article's comment feed")
    # A date Python cannot hold (year 10000): reading the row fails, on either database.
    poison = store_comment(stack, article, nic="Ten Thousand", body_html="<p>x</p>",
                           updated_at=stamp("10000-01-01 00:00:00.000000"))
    try:
        real = post(stack.client("comments"), article, "Set off the render.")["comment"]["id"]
        [cause] = [row for (row,) in stack.sql(
            "comments", "SELECT envelope FROM outbox WHERE type = 'comment.created'")
            if as_json(row)["data"]["comment_id"] == real]
        event_id = as_json(cause)["id"]
        # Retried, then set aside: both documents that show the comment are listed, with the
        # event that changed them last.
        wait_for(lambda: f"article:{article} " in listed(stack)
                 and "comments " in listed(stack), timeout=180,
                 what=f"the failing feeds set aside after {ATTEMPTS} attempts")
        [line] = [row for row in listed(stack).splitlines()
                  if row.startswith(f"article:{article} ")]
        assert f"{ATTEMPTS} attempts" in line and f"comment.created {event_id}" in line, line
        assert "ValueError" in line or "DataError" in line, line
        log = (stack.data_dir / "devserver.log").read_text(errors="replace")
        assert f"article:{article} failed to render" in log
        assert f"comment.created {event_id}" in log
        assert f"article:{article} set aside after {ATTEMPTS} failed renders" in log

        # Meanwhile every other feed renders: a new article, a comment on another article.
        category = new_category(stack)
        fresh = new_article(stack, category["slug"])
        other = open_article(stack)
        note = post(stack.client("comments"), other, "Elsewhere.")["comment"]["id"]
        for stem, marker in ((f"categories/{category['slug']}", fresh["title"]),
                             ("site", fresh["title"]),
                             (f"articles/{other}/comments", entry_id(note))):
            wait_for(lambda s=stem, m=marker: shows(stack, s, m), what=f"{marker} in {stem}")
        assert not shows(stack, broken, entry_id(real))  # its last good copy stays
        assert feed_json(stack, broken) is not None
    finally:
        stack.sql("feeds", "DELETE FROM feedcomment WHERE comment_id = :id", id=poison)
        retried = cli(stack, "retry-render", "--all")
    assert retried.returncode == 0, retried.stderr
    assert f"article:{article}: queued to render again" in retried.stdout
    wait_for(lambda: shows(stack, broken, entry_id(real)), what="the mended feed")
    wait_for(lambda: shows(stack, "comments", entry_id(note)),
             what="the latest comments rendered again")
    wait_for(lambda: "0 feeds set aside" in listed(stack), what="nothing set aside")
    assert cli(stack, "retry-render", "article:1").returncode == 1  # nothing of that name
