"""The site's export (services/web/export.py, wxr.py, export_source.py): the WordPress WXR
file parses strictly, declares every namespace under WordPress's prefixes, and carries each
article with its comments and their threading; hostile text comes back as it went in (less
what XML cannot hold); the JSON document holds the same; a stream cut short is an error, not
a short file. Then the whole way on a running Burg: the command line and the desk's
downloads."""

import asyncio
import html
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from lxml import etree

from services.web import wxr
from services.web.export import json_document, wxr_document
from services.web.export_source import Export, ExportCut
from tests.comments.helpers import moderator, post
from tests.conftest import Stack, wait_for
from tests.hostile_text import bounded, hostile

NOW = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
NS = wxr.NAMESPACES
WP = f"{{{NS['wp']}}}"
SITE = "https://burg.example"
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True,
                         huge_tree=True)


def article(article_id: int, **fields: Any) -> dict[str, Any]:
    return {"id": article_id, "slug": f"story-{article_id}",
            "url": f"{SITE}/articles/story-{article_id}", "title": f"Story {article_id}",
            "category": "sea", "dateline": "2026-11-27", "dateline_place": "OSLO",
            "source_name": "Wire", "source_url": "https://wire.example/?a=1&b=2",
            "source_note": "", "posted_by": "Ed", "body": "[b]Bold[/b]",
            "body_html": "<p><strong>Bold</strong></p>",
            "published_at": "2026-11-27T10:00:00Z", "updated_at": "2026-11-27T11:00:00Z",
            "comments_close_at": (NOW + timedelta(days=3)).isoformat()} | fields


def comment(comment_id: int, article_id: int, parent_id: int | None = None,
            **fields: Any) -> dict[str, Any]:
    return {"id": comment_id, "article_id": article_id, "parent_id": parent_id,
            "number": comment_id, "nic": f"Nic {comment_id}", "website": None,
            "body": f"Words {comment_id}", "body_html": f"<p>Words {comment_id}</p>",
            "created_at": "2026-11-27T12:00:00Z", "edited_at": None, "removed": False} | fields


CATEGORIES = [{"slug": "sea", "name": "Sea & <Ships>", "description": "Boats ]]> all"},
              {"slug": "land", "name": "Land", "description": ""}]


async def _each(lines: Iterable[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    for line in lines:
        yield line


def export_of(articles: list[dict[str, Any]], comments: list[dict[str, Any]],
              nics: list[dict[str, Any]] = (), *, categories: list[dict[str, Any]] = CATEGORIES,
              authors: list[str] = ("Ed",), complete: bool = True) -> Export:  # type: ignore[assignment]
    """An export as the services' streams give it (lines, each stream with its end)."""
    posts = [{"article": a} for a in articles]
    threads = [{"comment": c} for c in comments] + [{"nic": n} for n in nics]
    if complete:
        posts.append({"end": {"categories": len(categories), "articles": len(articles)}})
        threads.append({"end": {"comments": len(comments), "nics": len(nics)}})
    return Export(list(categories), list(authors), _each(posts), _each(threads))


def written(writer: Any, export: Export) -> bytes:
    async def run() -> bytes:
        return "".join([piece async for piece in writer(export, SITE, NOW)]).encode()
    return asyncio.run(run())


def parsed(document: bytes) -> Any:
    return etree.fromstring(document, parser=STRICT)


def test_the_wxr_file_is_what_wordpress_writes_and_reads() -> None:
    export = export_of(
        [article(1, comments_close_at=(NOW - timedelta(days=1)).isoformat()),
         article(2, category="land", posted_by="Bea")],
        [comment(10, 1), comment(11, 1, 10, website="https://a.example/?x=1&y=2"),
         comment(12, 1, 11, edited_at="2026-11-27T13:00:00Z"),
         comment(13, 2, removed=True, nic="", body="", body_html=""), comment(14, 2, 13)],
        authors=["Bea", "Ed"])
    raw = written(wxr_document, export)
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>\n')
    assert b"<!DOCTYPE" not in raw  # WordPress's importer refuses a file with one
    rss = parsed(raw)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    assert rss.nsmap == NS  # every namespace, under the prefixes WordPress's parsers expect
    channel = rss.find("channel")
    assert channel.findtext(f"{WP}wxr_version") == "1.2"
    assert channel.findtext(f"{WP}base_site_url") == SITE == channel.findtext("link")
    assert channel.findtext(f"{WP}base_blog_url") == SITE
    assert [a.findtext(f"{WP}author_login") for a in channel.findall(f"{WP}author")] == [
        "Bea", "Ed"]
    cats = channel.findall(f"{WP}category")
    # Names are HTML in WordPress (it stores "&" as "&amp;"): the text, escaped.
    assert [(c.findtext(f"{WP}category_nicename"), c.findtext(f"{WP}cat_name"),
             c.findtext(f"{WP}category_description")) for c in cats] == [
        ("sea", "Sea &amp; &lt;Ships&gt;", "Boats ]]&gt; all"), ("land", "Land", "")]
    # WordPress's regex parser reads an author and a category from one line each.
    lines = raw.decode().splitlines()
    assert sum(1 for line in lines if "<wp:author>" in line and "</wp:author>" in line) == 2
    first, second = channel.findall("item")
    assert first.findtext("title") == "Story 1" and first.findtext("link") == \
        f"{SITE}/articles/story-1"
    assert first.findtext("pubDate") == "Fri, 27 Nov 2026 10:00:00 +0000"
    assert first.findtext(f"{{{NS['dc']}}}creator") == "Ed"
    assert second.findtext(f"{{{NS['dc']}}}creator") == "Bea"
    assert first.find("guid").get("isPermaLink") == "false"
    assert first.findtext(f"{{{NS['content']}}}encoded") == "<p><strong>Bold</strong></p>"
    wp = {name: first.findtext(f"{WP}{name}") for name in (
        "post_id", "post_date", "post_date_gmt", "post_name", "status", "post_type",
        "comment_status")}
    assert wp == {"post_id": "1", "post_date": "2026-11-27 10:00:00",
                  "post_date_gmt": "2026-11-27 10:00:00", "post_name": "story-1",
                  "status": "publish", "post_type": "post", "comment_status": "closed"}
    assert second.findtext(f"{WP}comment_status") == "open"
    [category] = first.findall("category")
    assert (category.get("domain"), category.get("nicename"), category.text) == (
        "category", "sea", "Sea &amp; &lt;Ships&gt;")
    assert '<category domain="category" nicename="sea">' in raw.decode()  # attributes' order
    meta = {m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value")
            for m in first.findall(f"{WP}postmeta")}
    assert meta["_burg_markup"] == "[b]Bold[/b]" and meta["_burg_dateline_place"] == "OSLO"
    assert meta["_burg_source_url"] == "https://wire.example/?a=1&b=2"
    comments = {int(c.findtext(f"{WP}comment_id")): c for c in first.findall(f"{WP}comment")}
    assert {i: int(c.findtext(f"{WP}comment_parent")) for i, c in comments.items()} == {
        10: 0, 11: 10, 12: 11}  # the chain of replies, as WordPress threads it
    reply = comments[11]
    assert reply.findtext(f"{WP}comment_author") == "Nic 11"
    assert reply.findtext(f"{WP}comment_author_url") == "https://a.example/?x=1&y=2"
    assert reply.findtext(f"{WP}comment_content") == "<p>Words 11</p>"
    assert reply.findtext(f"{WP}comment_approved") == "1"
    assert reply.findtext(f"{WP}comment_date_gmt") == "2026-11-27 12:00:00"
    assert reply.findtext(f"{WP}comment_author_email") == ""  # no address leaves the site
    edited = {m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value")
              for m in comments[12].findall(f"{WP}commentmeta")}
    assert edited == {"_burg_number": "12", "_burg_markup": "Words 12",
                      "_burg_edited_at": "2026-11-27T13:00:00Z"}
    placeholder, below = second.findall(f"{WP}comment")
    assert placeholder.findtext(f"{WP}comment_approved") == "trash"
    assert placeholder.findtext(f"{WP}comment_author") == ""
    assert placeholder.findtext(f"{WP}comment_content") == ""
    assert below.findtext(f"{WP}comment_parent") == "13"


def test_a_body_holding_the_end_of_cdata_survives() -> None:
    body = "<p>a ]]> b ]]]]> c ]]>]]></p>"
    raw = written(wxr_document, export_of([article(1, body_html=body, body="]]>")],
                                          [comment(5, 1, body_html="]]>", body="]]>x]]>")]))
    assert b"]]]]><![CDATA[>" in raw
    item = parsed(raw).find("channel/item")
    assert item.findtext(f"{{{NS['content']}}}encoded") == body
    assert item.find(f"{WP}comment").findtext(f"{WP}comment_content") == "]]>"


@bounded(60)
@given(title=hostile(300), nic=hostile(60), body=hostile(2000), name=hostile(100),
       website=hostile(200))
def test_hostile_text_comes_back_from_the_wxr_as_it_went_in(
        title: str, nic: str, body: str, name: str, website: str) -> None:
    export = export_of([article(1, title=title, body=body, body_html=body, posted_by=nic)],
                       [comment(2, 1, nic=nic, body=body, body_html=body, website=website)],
                       categories=[{"slug": "sea", "name": name, "description": body}],
                       authors=[nic])
    channel = parsed(written(wxr_document, export)).find("channel")
    item = channel.find("item")
    said = wxr.legal
    # WordPress's HTML fields hold the text escaped: unescaped, it is the text.
    assert html.unescape(item.findtext("title")) == said(title)
    assert item.findtext(f"{{{NS['content']}}}encoded") == said(body)
    assert item.findtext(f"{{{NS['dc']}}}creator") == said(nic)
    assert html.unescape(item.find("category").text) == said(name)
    assert html.unescape(channel.findtext(f"{WP}category/{WP}category_description")) == \
        said(body)
    assert channel.findtext(f"{WP}author/{WP}author_login") == said(nic)
    assert html.unescape(channel.findtext(f"{WP}author/{WP}author_display_name")) == said(nic)
    reply = item.find(f"{WP}comment")
    assert html.unescape(reply.findtext(f"{WP}comment_author")) == said(nic)
    assert reply.findtext(f"{WP}comment_author_url") == said(website)
    assert reply.findtext(f"{WP}comment_content") == said(body)


@bounded(60)
@given(title=hostile(300), nic=hostile(60), body=hostile(2000))
def test_hostile_text_comes_back_from_the_json_exactly(title: str, nic: str, body: str) -> None:
    made = article(1, title=title, body=body, posted_by=nic)
    said = comment(2, 1, nic=nic, body=body, body_html=body)
    document = json.loads(written(json_document, export_of([made], [said])))
    assert document["articles"] == [made | {"comments": [said]}]


def test_the_json_document_holds_each_article_with_its_thread() -> None:
    nics = [{"nic": "Nic 10", "first_used_at": "2026-11-27T12:00:00Z"}]
    articles = [article(1), article(3), article(4)]
    comments = [comment(9, 0), comment(10, 1), comment(11, 1, 10), comment(12, 4),
                comment(13, 5)]  # 9 and 13: of articles not exported, left out
    raw = written(json_document, export_of([dict(a) for a in articles], comments, nics))
    document = json.loads(raw)
    assert list(document) == ["burg_export", "site", "exported_at", "categories", "articles",
                              "nics"]
    assert document["burg_export"] == 1 and document["site"] == {"url": SITE}
    assert document["exported_at"] == NOW.isoformat()
    assert document["categories"] == CATEGORIES
    assert [(a["id"], [c["id"] for c in a["comments"]]) for a in document["articles"]] == [
        (1, [10, 11]), (3, []), (4, [12])]
    assert document["articles"][0] == articles[0] | {"comments": [comments[1], comments[2]]}
    assert document["nics"] == nics
    empty = json.loads(written(json_document, export_of([], [], categories=[], authors=[])))
    assert (empty["categories"], empty["articles"], empty["nics"]) == ([], [], [])


@pytest.mark.parametrize("writer", [json_document, wxr_document])
def test_the_files_are_written_as_the_streams_are_read(writer: Any) -> None:
    """Ten thousand articles with a comment each: the first articles are written when only
    as many lines have been read, never the whole site first."""
    read = {"posts": 0, "comments": 0}

    async def counted(kind: str, lines: Iterable[dict[str, Any]]
                      ) -> AsyncIterator[dict[str, Any]]:
        for line in lines:
            read[kind] += 1
            yield line

    total = 10_000
    posts = ({"article": article(n)} for n in range(1, total + 1))
    threads = ({"comment": comment(10 * n, n)} for n in range(1, total + 1))
    export = Export(CATEGORIES, ["Ed"], counted("posts", posts), counted("comments", threads))

    async def first_pieces() -> str:
        pieces, taken = writer(export, SITE, NOW), ""
        while "Story 2" not in taken:  # up to the second article
            taken += await anext(pieces)
        await pieces.aclose()
        return taken

    start = asyncio.run(first_pieces())
    assert "Story 2" in start and "Words 20" in start  # two articles, each with its comment
    assert read["posts"] <= 4 and read["comments"] <= 4


@pytest.mark.parametrize("writer", [json_document, wxr_document])
def test_a_stream_cut_short_is_an_error_not_a_short_file(writer: Any) -> None:
    with pytest.raises(ExportCut, match="ended before its last line"):
        written(writer, export_of([article(1)], [comment(2, 1)], complete=False))


def test_the_command_line_and_the_desk_export_a_running_site(stack: Stack) -> None:
    editor = stack.editor()
    slug = editor.post("/categories", json={"name": "Exports & <Co>"}).json()["slug"]
    draft = editor.post("/articles", json={
        "title": "Exported <story>", "category": slug,
        "body": "[b]Bold[/b] and ]]> [quote]Quoted[/quote]"}).json()
    published = editor.post(f"/articles/{draft['id']}/publish").json()
    hidden = editor.post("/articles", json={"title": "Still a draft", "category": slug,
                                            "body": "Not public"}).json()
    article_id = published["id"]
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{article_id}/comments").status_code == 200,
             what="the comments service to learn of the article")
    top = post(comments, article_id, "Top <script>alert(1)</script>", nic="Exporter One")
    removed = post(comments, article_id, "Rude", parent_id=top["comment"]["id"])
    reply = post(comments, article_id, "Reply to rude", nic="Exporter Two",
                 parent_id=removed["comment"]["id"])
    assert moderator(stack).delete(f"/comments/{removed['comment']['id']}").status_code == 204

    made = subprocess.run([sys.executable, "-m", "services.web.export", "--format", "wxr"],
                          env=stack.env | {"BURG_EDITOR_TOKEN": stack.editor_token},
                          capture_output=True, timeout=120, check=False)
    assert made.returncode == 0, made.stderr.decode()
    channel = parsed(made.stdout).find("channel")
    items = {int(i.findtext(f"{WP}post_id")): i for i in channel.findall("item")}
    assert article_id in items and hidden["id"] not in items
    item = items[article_id]
    assert item.findtext("title") == "Exported &lt;story&gt;"  # WordPress's titles are HTML
    assert item.findtext("link") == published["url"]
    assert item.findtext(f"{{{NS['content']}}}encoded") == published["body_html"]
    threaded = [(int(c.findtext(f"{WP}comment_id")), int(c.findtext(f"{WP}comment_parent")),
                 c.findtext(f"{WP}comment_approved"), c.findtext(f"{WP}comment_author"))
                for c in item.findall(f"{WP}comment")]
    assert threaded == [(top["comment"]["id"], 0, "1", "Exporter One"),
                        (removed["comment"]["id"], top["comment"]["id"], "trash", ""),
                        (reply["comment"]["id"], removed["comment"]["id"], "1",
                         "Exporter Two")]
    refused = subprocess.run([sys.executable, "-m", "services.web.export", "--token", "forged"],
                             env=stack.env, capture_output=True, timeout=60, check=False)
    assert refused.returncode == 1 and b"401" in refused.stderr and refused.stdout == b""

    with httpx.Client(base_url=stack.urls["site"], timeout=60) as site:
        assert site.get("/editor/export.json").headers.get("location") == "/editor"
        site.cookies.set("burg_editor", stack.editor_token)
        page = site.get("/editor/export")
        assert page.status_code == 200 and 'href="/editor/export.xml"' in page.text
        download = site.get("/editor/export.json")
        assert download.status_code == 200, download.text
        assert download.headers["cache-control"] == "no-store"
        assert download.headers["content-disposition"] == (
            f'attachment; filename="burg-export-{datetime.now(UTC):%Y-%m-%d}.json"')
        document = download.json()
        [exported] = [a for a in document["articles"] if a["id"] == article_id]
        assert exported["body"] == "[b]Bold[/b] and ]]> [quote]Quoted[/quote]"
        assert [(c["nic"], c["removed"]) for c in exported["comments"]] == [
            ("Exporter One", False), ("", True), ("Exporter Two", False)]
        assert {"nic": "Exporter One"}.items() <= next(
            n for n in document["nics"] if n["nic"] == "Exporter One").items()
        xml = site.get("/editor/export.xml")
        assert xml.status_code == 200 and xml.headers["content-type"].startswith(
            "application/rss+xml")
        assert parsed(xml.content).find("channel").findtext(f"{WP}wxr_version") == "1.2"
