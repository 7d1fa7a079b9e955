"""A WordPress site moving in: how long 10,000 articles and 100,000 comments take from a WXR
file to every consumer, against the goal of five minutes (issue 21).

One Burg (`python -m devserver`, SQLite, embedded Redis) on this machine. The file is
generated here: ten categories, each article with ten comments, three in ten of them replies.
The clock runs through four steps, each its own figure:
1. posts' `import-wordpress` (articles and categories, their events in the outbox);
2. the comments service's replicas know every article (the events crossed over);
3. comments' `import-wordpress` (the comments, threaded, their events in the outbox);
4. every event of both imports confirmed by every consumer (feeds, search, notify, comments);
5. the feeds rendered: no document stale, and the newest comment in its article's feed.
Then the CPU seconds each kind of Burg process spent meanwhile (the import commands are not
among them: their CPU is about their wall time, steps 1 and 3), which says where the time goes.
   Usage: python -m bench.import_speed [--articles 10000] [--comments-each 10]
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.comments_throughput import cpu_seconds
from bench.reply_mail import wait_until
from devserver.launch import Launched, launch

GOAL_SECONDS = 300
CATEGORIES = 10
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Old Burg</title><link>https://old.example</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://old.example</wp:base_site_url><wp:base_blog_url>https://old.example</wp:base_blog_url>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login>fred</wp:author_login><wp:author_display_name><![CDATA[Fred]]></wp:author_display_name></wp:author>
"""


def write_wxr(path: Path, articles: int, comments_each: int, seed: int = 21) -> int:
    """A WXR file of `articles` published posts with `comments_each` comments each; the
    number of comments written."""
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    comment_id = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for number in range(CATEGORIES):
            out.write(f"<wp:category><wp:term_id>{number + 1}</wp:term_id><wp:category_nicename>"
                      f"topic-{number}</wp:category_nicename><wp:category_parent></wp:category_parent>"
                      f"<wp:cat_name><![CDATA[Topic {number}]]></wp:cat_name></wp:category>\n")
        for post in range(1, articles + 1):
            posted = start + timedelta(hours=post)
            category = post % CATEGORIES
            out.write(
                f"<item><title>Story number {post}</title>"
                f"<link>https://old.example/{posted:%Y/%m}/story-{post}/</link>"
                f"<pubDate>{posted:%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
                f"<dc:creator><![CDATA[fred]]></dc:creator>"
                f"<guid isPermaLink=\"false\">https://old.example/?p={post}</guid>"
                f"<content:encoded><![CDATA[<p>The <b>news</b> of day {post}, with "
                f"<a href=\"https://example.org/{post}\">a source</a>.</p>\n\n<p>More.</p>]]>"
                f"</content:encoded><wp:post_id>{post}</wp:post_id>"
                f"<wp:post_date>{posted:%Y-%m-%d %H:%M:%S}</wp:post_date>"
                f"<wp:post_date_gmt>{posted:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>"
                f"<wp:comment_status>open</wp:comment_status><wp:post_name>story-{post}"
                f"</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
                f"<category domain=\"category\" nicename=\"topic-{category}\">"
                f"<![CDATA[Topic {category}]]></category>\n")
            ids: list[int] = []
            for reply in range(comments_each):
                comment_id += 1
                parent = rng.choice(ids) if ids and rng.random() < 0.3 else 0
                said = posted + timedelta(minutes=reply + 1)
                out.write(
                    f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
                    f"<wp:comment_author><![CDATA[Reader {rng.randrange(2000)}]]>"
                    f"</wp:comment_author><wp:comment_author_email>r@example.com"
                    f"</wp:comment_author_email><wp:comment_author_url>https://example.net/"
                    f"</wp:comment_author_url><wp:comment_date>{said:%Y-%m-%d %H:%M:%S}"
                    f"</wp:comment_date><wp:comment_date_gmt>{said:%Y-%m-%d %H:%M:%S}"
                    f"</wp:comment_date_gmt><wp:comment_content><![CDATA["
                    f"I <i>disagree</i> with this, number {comment_id}.]]>"
                    f"</wp:comment_content><wp:comment_approved>1</wp:comment_approved>"
                    f"<wp:comment_type></wp:comment_type><wp:comment_parent>{parent}"
                    f"</wp:comment_parent></wp:comment>\n")
                ids.append(comment_id)
            out.write("</item>\n")
        out.write("</channel></rss>\n")
    return comment_id


def run_cli(burg: Launched, service: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", f"services.{service}.cli", *args],
                          env=burg.env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{service} {args[0]} failed:\n{done.stdout}\n{done.stderr[-4000:]}")
    return done.stdout


def count(folder: Path, service: str, query: str) -> int:
    engine = create_engine(f"sqlite:///{folder / service}.db")
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def unconfirmed(folder: Path) -> int:
    """Events of posts and comments not yet sent to, or confirmed by, all their consumers."""
    query = "SELECT count(*) FROM outbox WHERE sent_at IS NULL OR awaiting IS NOT NULL"
    return count(folder, "posts", query) + count(folder, "comments", query)


def timed(figures: dict[str, float], name: str, step: Callable[[], object]) -> None:
    started = time.monotonic()
    step()
    figures[name] = time.monotonic() - started
    print(f"  {name}: {figures[name]:.1f} s", flush=True)


def measure(folder: Path, articles: int, comments_each: int) -> dict[str, float]:
    source = folder / "site.xml"
    comments = write_wxr(source, articles, comments_each)
    print(f"{articles} articles, {comments} comments, {source.stat().st_size / 1e6:.1f} MB",
          flush=True)
    data = folder / "burg"
    data.mkdir()
    burg = launch(data, os.environ.get("BURG_REDIS_URL"), demo=False)
    figures: dict[str, float] = {"articles": articles, "comments": comments}
    try:
        burg.create_editor("Importer")
        before = cpu_seconds(burg)
        started = time.monotonic()
        timed(figures, "posts import s", lambda: run_cli(
            burg, "posts", "import-wordpress", str(source), "--editor", "Importer"))
        timed(figures, "replicas s", lambda: wait_until(
            "every article in the comments' replicas",
            lambda: count(data, "comments", "SELECT count(*) FROM articlereplica") >= articles
            or None, timeout=1800))
        timed(figures, "comments import s", lambda: run_cli(
            burg, "comments", "import-wordpress", str(source)))
        timed(figures, "fan-out s", lambda: wait_until(
            "every event confirmed by its consumers", lambda: unconfirmed(data) == 0 or None,
            timeout=3600))
        timed(figures, "feeds rendered s", lambda: wait_until(
            "every feed rendered", lambda: count(
                data, "feeds", "SELECT count(*) FROM feedstale") == 0 or None, timeout=3600))
        figures["total s"] = time.monotonic() - started
        used = cpu_seconds(burg)
        figures |= {f"cpu s {kind}": used[kind] - before.get(kind, 0.0)
                    for kind in sorted(used) if used[kind] - before.get(kind, 0.0) >= 1}
        newest = count(data, "comments", "SELECT max(article_id) FROM comment")
        feed = httpx.get(f"{burg.urls['feeds']}/feeds/articles/{newest}/comments.rss",
                         timeout=30)
        figures["last comment in its feed"] = float(f"number {comments}." in feed.text)
        if not figures["last comment in its feed"]:
            print(f"the last comment is not in its feed:\n{feed.text[:2000]}")
    finally:
        burg.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--comments-each", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="burg-import-") as folder:
        figures = measure(Path(folder), args.articles, args.comments_each)
    print(f"\n{'import':<28}{'figure':>12}")
    for name, value in figures.items():
        print(f"{name:<28}{value:>12.1f}")
    total = figures["total s"]
    print(f"{'goal s':<28}{GOAL_SECONDS:>12}\n{'met':<28}{total < GOAL_SECONDS!s:>12}")


if __name__ == "__main__":
    main()
