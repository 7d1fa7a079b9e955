"""Every document the feeds index lists, in every format, judged by the strict checker
(`tests/feeds/strict.py`) after content of every kind went in on a running Burg: categories,
articles with markup, comments and replies, an edited article, an edited and a hidden comment,
a retracted article, hostile text the APIs take (or refuse), and text the read model holds
from before the APIs refused it."""

import uuid
from typing import Any

import httpx

from tests.comments.helpers import moderator, post
from tests.conftest import Stack, wait_for
from tests.feeds.helpers import entry_id, shows, store_comment
from tests.feeds.strict import assert_strict
from tests.posts.helpers import new_article, new_category

FORMATS = ("rss", "atom", "json")
# Text a client may send: some of it the APIs may refuse (a 4xx naming the field), the rest
# must come out of every feed strictly valid.
HOSTILE = ["Poison\uffffNic", "bell\x07", "nel\x85line", "ls\u2028ps\u2029", "\u202eevil",
           "e\u0301\u0301 \U0001f4a9", "]]> <![CDATA[", "&#0; &#xFFFF; &amp;", "\ufdd0\U0010ffff",
           "=?utf-8?q?=0A?=", "\u0645\u0631\u062d\u0628\u0627"]
BODY = ("[quote]MILLBROOK — 1. Not long ago [ed]sure[/ed] a [b]thing[/b] happened.[/quote]\r\n"
        "[*] one\n[*] two\n[url=https://example.org/a?b=1&c=2]a link[/url] "
        "[squish]https://example.org/a/very/long/path[/squish] <script>x</script> & \"q\"")


def accepted(response: httpx.Response, field: str) -> dict[str, Any] | None:
    """The created resource, or None if the API refused the text with a 4xx naming `field`."""
    if response.status_code in (200, 201):
        return dict(response.json())
    assert 400 <= response.status_code < 500, response.text
    assert field in response.text, response.text
    return None


def build_everything(stack: Stack) -> str:
    """Content of every kind; returns a marker that shows in the site's latest comments
    once all of it has been rendered (the events of one service are applied in order)."""
    editor, comments = stack.editor(), stack.client("comments")
    category = new_category(stack, f"Ünïcödé & <News> \u0645\u0631 {uuid.uuid4().hex[:6]}")
    editor.patch(f"/categories/{category['slug']}",
                 json={"description": "Desc with \"quotes\" & \U0001f30d"}).raise_for_status()
    for text in HOSTILE:
        accepted(editor.post("/categories", json={"name": f"{text} {uuid.uuid4().hex[:6]}",
                                                  "description": text}), "name")
    slug = category["slug"]
    plain = new_article(stack, slug, body=BODY, source_name="Agence & Co",
                        source_url="https://example.org/news?id=1&x=2")
    edited = new_article(stack, slug, title="Before the edit")
    retracted = new_article(stack, slug)
    for text in HOSTILE:
        draft = accepted(editor.post("/articles", json={
            "title": f"T {text}", "category": slug, "body": f"Body {text}",
            "source_note": text}), "title")
        if draft:
            editor.post(f"/articles/{draft['id']}/publish").raise_for_status()
    for article in (plain, edited, retracted):
        wait_for(lambda a=article: comments.get(f"/articles/{a['id']}/comments")
                 .status_code == 200, what="the article in comments")
    first = post(comments, plain["id"], BODY)
    post(comments, plain["id"], "A [i]reply[/i].", parent_id=first["comment"]["id"])
    changed = post(comments, plain["id"], "Will be edited.")
    comments.patch(f"/comments/{changed['comment']['id']}", json={"body": "Edited [b]now[/b]."},
                   headers={"X-Commenter-Token": changed["commenter_token"]}).raise_for_status()
    hidden = post(comments, plain["id"], "Will be hidden.")
    moderator(stack).post(f"/comments/{hidden['comment']['id']}/hide").raise_for_status()
    post(comments, retracted["id"], "On an article about to go.")
    for text in HOSTILE:
        accepted(comments.post(f"/articles/{plain['id']}/comments",
                               json={"nic": f"{text[:30]} {uuid.uuid4().hex[:4]}",
                                     "body": text}), "nic")
    store_comment(stack, plain["id"], nic="Stored\uffff\x01Nic",
                  body_html="<p>\x0b\x85\ufffe\U0001ffff</p>")
    editor.patch(f"/articles/{edited['id']}", json={"title": "After the edit",
                                                    "body": BODY}).raise_for_status()
    editor.post(f"/articles/{retracted['id']}/retract").raise_for_status()
    last = post(comments, edited["id"], "The last one.")
    wait_for(lambda: shows(stack, f"categories/{slug}", "After the edit")
             and not shows(stack, f"categories/{slug}", retracted["title"]),
             what="the edit and the retraction in the category feed")
    return entry_id(last["comment"]["id"])


def test_every_listed_document_is_strictly_valid(stack: Stack) -> None:
    marker = build_everything(stack)
    wait_for(lambda: shows(stack, "comments", marker), what="every change rendered")
    index = stack.client("feeds").get("/index.json")
    assert index.status_code == 200
    feeds = index.json()["feeds"]
    kinds = {feed["path"].split("/")[0] for feed in feeds}
    assert {"site", "comments", "categories", "articles"} <= kinds
    checked = 0
    with httpx.Client(timeout=10) as client:
        for feed in feeds:
            for fmt in FORMATS:
                response = client.get(feed[fmt])
                assert response.status_code == 200, feed[fmt]
                assert_strict(f"{feed['path']}.{fmt}", response.content)
                checked += 1
    assert checked == 3 * len(feeds) >= 3 * 6
