"""On a running Burg: text already stored that XML cannot carry still renders, and a document
whose render fails for good is logged, retried, set aside where the feeds CLI lists it (and
put back by it), while every other feed keeps being rendered."""

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from services.feeds.settings import FeedsSettings
from tests.comments.helpers import open_article, post
from tests.conftest import Stack, wait_for
from tests.databases import BACKEND, as_json
from tests.feeds.strict import assert_strict
from tests.posts.helpers import new_article, new_category

ATTEMPTS = FeedsSettings().render_attempts  # the stack runs with the default


def feed_json(stack: Stack, stem: str) -> dict[str, Any] | None:
    response = stack.client("feeds").get(f"{stem}.json")
    return json.loads(response.content) if response.status_code == 200 else None


def shows(stack: Stack, stem: str, marker: str) -> bool:
    document = feed_json(stack, stem)
    return bool(document) and marker in json.dumps(document, ensure_ascii=False)


def stamp(moment: str) -> str:
    """A timestamp as the feeds tables store it ("YYYY-MM-DD HH:MM:SS.ffffff", in UTC)."""
    return moment + ("+00:00" if BACKEND == "postgresql" else "")


def store_comment(stack: Stack, article_id: int, *, nic: str, body_html: str,
                  updated_at: str | None = None) -> int:
    """Put a comment straight into the feeds read model, as an older version of the APIs
    let it through (no event: it shows at the next render of its feeds)."""
    [(url,)] = wait_for(lambda: stack.sql("feeds", "SELECT url FROM feedarticle WHERE "
                                                   "article_id = :id", id=article_id),
                        what="the article in the feeds read model")
    comment_id = 2_000_000_000 + uuid.uuid4().int % 100_000_000
    now = stamp(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S.%f}")
    stack.sql("feeds", "INSERT INTO feedcomment (comment_id, article_id, article_title, "
                       "article_url, nic, summary, body_html, created_at, updated_at) VALUES "
                       "(:id, :article, 'Title', :page, :nic, :body, :body, :now, :updated)",
              id=comment_id, article=article_id, page=url, nic=nic, body=body_html, now=now,
              updated=updated_at or now)
    return comment_id


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
        wait_for(lambda s=stem: shows(stack, s, f"#comment-{real}"),
                 what=f"the new comment in {stem}")
        document = feed_json(stack, stem)
        assert document is not None
        [item] = [i for i in document["items"] if i["url"].endswith(f"#comment-{poison}")]
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
                             (f"articles/{other}/comments", f"#comment-{note}")):
            wait_for(lambda s=stem, m=marker: shows(stack, s, m), what=f"{marker} in {stem}")
        assert not shows(stack, broken, f"#comment-{real}")  # its last good copy stays
        assert feed_json(stack, broken) is not None
    finally:
        stack.sql("feeds", "DELETE FROM feedcomment WHERE comment_id = :id", id=poison)
        retried = cli(stack, "retry-render", "--all")
    assert retried.returncode == 0, retried.stderr
    assert f"article:{article}: queued to render again" in retried.stdout
    wait_for(lambda: shows(stack, broken, f"#comment-{real}"), what="the mended feed")
    wait_for(lambda: shows(stack, "comments", f"#comment-{note}"),
             what="the latest comments rendered again")
    wait_for(lambda: "0 feeds set aside" in listed(stack), what="nothing set aside")
    assert cli(stack, "retry-render", "article:1").returncode == 1  # nothing of that name
