"""Every feed document, over HTTP on a running Burg: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for
categories, the site, an article's comments and the latest comments; valid to feedparser and
to the W3C validator's rules; coalesced renders; retraction; two workers; the index."""

import html
import io
import json
import re
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree import ElementTree

import feedparser
import httpx

from services.feeds.rounds import MIN_GAP
from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.posts.helpers import new_article, new_category

ATOM = "{http://www.w3.org/2005/Atom}"
RFC822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|"
                    r"Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (\+0000|GMT)")
TYPES = {"rss": "application/rss+xml; charset=utf-8",
         "atom": "application/atom+xml; charset=utf-8",
         "json": "application/feed+json; charset=utf-8"}


def fetch(stack: Stack, path: str) -> httpx.Response | None:
    response = stack.client("feeds").get(path)
    return response if response.status_code == 200 else None


def check_rss(url: str, body: bytes) -> list[Any]:
    """RSS 2.0 as the W3C validator wants it; returns the entries."""
    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "rss20"
    channel = ElementTree.fromstring(body).find("channel")
    assert channel is not None
    [self_link] = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link.get("href") == url
    dates = [e.text or "" for e in channel.iter() if e.tag in ("pubDate", "lastBuildDate")]
    for text in dates:
        assert RFC822.fullmatch(text), text  # RFC 822, and the weekday is the date's own
        assert parsedate_to_datetime(text).strftime("%a") == text[:3]
    check_entries(parsed.entries)
    return list(parsed.entries)


def check_atom(url: str, body: bytes) -> list[Any]:
    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    root = ElementTree.fromstring(body)
    assert [link.get("href") for link in root.findall(f"{ATOM}link")
            if link.get("rel") == "self"] == [url]
    assert root.find(f"{ATOM}updated") is not None and root.find(f"{ATOM}id") is not None
    assert root.find(f"{ATOM}author/{ATOM}name") is not None  # even with no entries
    check_entries(parsed.entries, updated=True)
    return list(parsed.entries)


def check_entries(entries: list[Any], *, updated: bool = False) -> None:
    ids = [entry.id for entry in entries]
    assert len(ids) == len(set(ids)) and all(i.startswith("tag:") for i in ids)
    for entry in entries:
        assert entry.link.startswith("http"), entry.link  # absolute
        assert entry.author and entry.published_parsed
        assert not updated or "updated_parsed" in entry  # RSS items have no such date
        assert entry.summary is not None and entry.content[0].value


def shown(detail: Any) -> str:
    """The text a reader shows for a feedparser text construct (its HTML rendered)."""
    return html.unescape(detail.value) if detail.type == "text/html" else str(detail.value)


def check_json(url: str, body: bytes) -> list[dict[str, Any]]:
    """JSON Feed 1.1: the required members, absolute URLs, RFC 3339 dates, unique ids."""
    document = json.loads(body)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] and document["feed_url"] == url
    assert document["home_page_url"].startswith("http")
    ids = [item["id"] for item in document["items"]]
    assert len(ids) == len(set(ids))
    for item in document["items"]:
        assert item["url"].startswith("http") and item["content_html"]
        for key in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[key].replace("Z", "+00:00")).tzinfo
        assert item["authors"][0]["name"]
    return list(document["items"])


def check_all(stack: Stack, stem: str) -> dict[str, list[Any]]:
    """The three documents of a feed, each checked; their entries by format."""
    entries = {}
    for fmt, check in (("rss", check_rss), ("atom", check_atom), ("json", check_json)):
        response = wait_for(lambda f=fmt: fetch(stack, f"{stem}.{f}"), what=f"{stem}.{fmt}")
        assert response.headers["content-type"] == TYPES[fmt]
        assert response.headers["etag"] and response.headers["last-modified"]
        entries[fmt] = check(f"{stack.urls['feeds']}/feeds/{stem}.{fmt}", response.content)
    return entries


def test_every_feed_is_valid_in_three_formats(stack: Stack) -> None:
    category = new_category(stack, f"Ünïcödé Ñews {uuid.uuid4().hex[:6]}")
    tricky = 'Sirens & <b>bold</b> "claims" \u2014 \u00e9t\u00e9'
    first = new_article(stack, category["slug"], title=tricky)
    second = new_article(stack, category["slug"])
    comments = stack.client("comments")
    url = f"/articles/{first['id']}/comments"
    wait_for(lambda: comments.get(url).status_code == 200, what="the article in comments")
    note = post(comments, first["id"], "[b]First[/b] <script>x</script>")
    wait_for(lambda: (r := fetch(stack, f"articles/{first['id']}/comments.json"))
             and json.loads(r.content)["items"], what="the comment in its feed")

    feeds = check_all(stack, f"categories/{category['slug']}")
    # RSS: HTML, so the markup in a title is escaped and a reader shows it as typed.
    assert feeds["rss"][1].title_detail.type == "text/html"
    assert [shown(e.title_detail) for e in feeds["rss"]] == [second["title"], tricky]
    assert feeds["atom"][1].title_detail.type == "text/plain"
    assert [e.title for e in feeds["atom"]] == [second["title"], tricky]
    assert [i["title"] for i in feeds["json"]] == [second["title"], tricky]
    assert feeds["rss"][1].tags[0].term == category["name"]  # RSS shows the name
    assert feeds["atom"][1].tags[0].term == category["slug"]  # Atom: term and label
    assert feeds["atom"][1].tags[0].label == category["name"]
    assert feeds["json"][1]["tags"] == [category["name"]]
    assert {e.id for e in feeds["rss"]} == {e.id for e in feeds["atom"]} == {
        i["id"] for i in feeds["json"]}
    check_all(stack, "site")
    thread = check_all(stack, f"articles/{first['id']}/comments")
    assert thread["json"][0]["url"] == f"{stack.urls['site']}/comments/{note['comment']['id']}"
    assert "<script" not in thread["json"][0]["content_html"]
    check_all(stack, "comments")


def test_a_new_categorys_feeds_are_empty_documents(stack: Stack) -> None:
    category = new_category(stack)
    feeds = check_all(stack, f"categories/{category['slug']}")
    assert feeds == {"rss": [], "atom": [], "json": []}


def test_an_articles_comment_feed_exists_once_it_is_published(stack: Stack) -> None:
    article = new_article(stack, new_category(stack)["slug"])
    assert check_all(stack, f"articles/{article['id']}/comments")["json"] == []


def test_the_index_lists_every_feed(stack: Stack) -> None:
    category = new_category(stack)
    stem = f"categories/{category['slug']}"
    wait_for(lambda: fetch(stack, f"{stem}.json"), what="the new category's feeds")
    for path in ("/index.json", "/"):
        listed = {f["path"]: f for f in stack.client("feeds").get(path).json()["feeds"]}
        assert {"site", "comments", stem} <= set(listed)
        assert listed[stem]["title"].endswith(category["name"])
        for fmt in ("rss", "atom", "json"):
            assert listed[stem][fmt] == f"{stack.urls['feeds']}/feeds/{stem}.{fmt}"
            assert httpx.get(listed[stem][fmt], timeout=10).status_code == 200


def test_odd_paths_and_formats_are_404(stack: Stack) -> None:
    feeds = stack.client("feeds")
    for path in ("/categories/no-such.rss", "/categories/%2e%2e/%2e%2e/etc/passwd",
                 "/site.xml", "/site", "/site.rss.bak", "/site.rss%00", "/..%2fsite.rss",
                 "/categories/%C3%A9.json", "/articles/99999999/comments.rss"):
        response = feeds.get(path)
        assert response.status_code == 404, path
        assert "no feed" in response.json()["detail"]
    assert feeds.head("/no-such.atom").status_code == 404


def revision(stack: Stack, path: str) -> int:
    [(count,)] = stack.sql("feeds", "SELECT revision FROM feeddocument WHERE path = :path",
                           path=path)
    return int(count)


def test_a_burst_of_publishes_is_coalesced(stack: Stack) -> None:
    category = new_category(stack)
    with ThreadPoolExecutor(max_workers=8) as pool:
        drafts = list(pool.map(lambda _: new_article(stack, category["slug"], publish=False),
                               range(60)))
        started = time.monotonic()
        articles = list(pool.map(lambda draft: stack.editor().post(
            f"/articles/{draft['id']}/publish").json(), drafts))
    newest = max(articles, key=lambda a: (a["published_at"], a["id"]))
    path = f"categories/{category['slug']}.rss"
    wait_for(lambda: (r := fetch(stack, path)) and newest["title"] in r.text,
             what="the newest article in the feed")
    took = time.monotonic() - started
    entries = check_rss(f"{stack.urls['feeds']}/feeds/{path}", fetch(stack, path).content)
    assert len(entries) == 50
    # 60 publishes; one render per round, not per event: while events keep coming a round
    # starts at most every MIN_GAP (the empty feed was the first render, the last one trails).
    # A slow machine stretches the burst, and so the bound, never the renders per round.
    renders = revision(stack, path)
    assert renders <= 3 + took / MIN_GAP, (renders, took)


def test_a_retracted_article_leaves_every_feed(stack: Stack) -> None:
    category = new_category(stack)
    article = new_article(stack, category["slug"])
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{article['id']}/comments").status_code == 200,
             what="the article in comments")
    note = post(comments, article["id"], "Soon gone.")
    marker = f"comment-{note['comment']['id']}"
    wait_for(lambda: (r := fetch(stack, "comments.json")) and marker in r.text,
             what="the comment in the latest comments")
    stack.editor().post(f"/articles/{article['id']}/retract").raise_for_status()
    wait_for(lambda: fetch(stack, f"articles/{article['id']}/comments.rss") is None,
             what="the article's comment feed to go")
    for stem in (f"categories/{category['slug']}", "site"):
        wait_for(lambda s=stem: article["title"] not in fetch(stack, f"{s}.json").text,
                 what=f"the article to leave {stem}")
    wait_for(lambda: marker not in fetch(stack, "comments.json").text,
             what="the comment to leave the latest comments")


def test_with_two_workers_the_last_edit_wins(stack: Stack) -> None:
    second = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "services.feeds.worker", "worker", "-Q", "feeds",
         "-n", f"feeds2-{uuid.uuid4().hex[:6]}@%h", "--concurrency", "2", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        env=stack.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        category = new_category(stack)
        article = new_article(stack, category["slug"])
        editor = stack.editor()
        for number in range(30):
            editor.patch(f"/articles/{article['id']}",
                         json={"title": f"Edit {number}"}).raise_for_status()
        path = f"categories/{category['slug']}.json"

        def title() -> str | None:
            response = fetch(stack, path)
            items = json.loads(response.content)["items"] if response else []
            return items[0]["title"] if items else None

        wait_for(lambda: title() == "Edit 29", what="the last edit in the feed")
        time.sleep(2)  # whatever was still under way has finished by now
        assert title() == "Edit 29"
    finally:
        second.terminate()
        second.wait(timeout=30)
