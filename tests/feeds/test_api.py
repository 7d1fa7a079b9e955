"""The feeds API over HTTP: stored documents with ETag, Last-Modified and 304s."""

import gzip
import uuid
from datetime import datetime

import httpx

from tests.comments.helpers import post
from tests.conftest import Stack, wait_for


def published_category(stack: Stack) -> str:
    editor = stack.editor()
    slug = editor.post("/categories", json={"name": f"F {uuid.uuid4().hex[:6]}"}).json()["slug"]
    draft = editor.post("/articles", json={"title": "Fed", "category": slug, "body": "x"}).json()
    editor.post(f"/articles/{draft['id']}/publish").raise_for_status()
    feeds = stack.client("feeds")
    # Not just a 200: the category's empty feed comes first, the article's render after it.
    wait_for(lambda: "<item>" in feeds.get(f"/categories/{slug}.rss").text,
             what="the article in the feed")
    return slug


def test_feed_is_served_with_validators_and_304(stack: Stack) -> None:
    slug = published_category(stack)
    feeds = stack.client("feeds")
    response = feeds.get(f"/categories/{slug}.rss")
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert response.headers["cache-control"].startswith("public, max-age=")
    etag, modified = response.headers["etag"], response.headers["last-modified"]
    assert etag.startswith('"')
    assert feeds.get(f"/categories/{slug}.rss", headers={"If-None-Match": etag}).status_code == 304
    assert feeds.get(f"/categories/{slug}.rss",
                     headers={"If-Modified-Since": modified}).status_code == 304
    # If-None-Match decides when both are sent (RFC 9110 §13.2.2).
    assert feeds.get(f"/categories/{slug}.rss", headers={
        "If-None-Match": '"other"', "If-Modified-Since": modified}).status_code == 200
    # Re-rendering identical content keeps the validators; new content changes them.
    stack.editor().patch(f"/categories/{slug}", json={"description": "Same entries, new words"})
    wait_for(lambda: feeds.get(f"/categories/{slug}.rss").headers["etag"] != etag,
             what="a new ETag for the changed feed")
    head = feeds.head(f"/categories/{slug}.atom")
    assert head.status_code == 200
    assert head.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert head.content == b""


def test_unknown_feed_gets_404_json(stack: Stack) -> None:
    feeds = stack.client("feeds")
    for path in ("/categories/no-such.rss", "/categories/%2e%2e/%2e%2e/etc/passwd", "/site.xml"):
        response = feeds.get(path)
        assert response.status_code == 404, path
        assert "no feed" in response.json()["detail"]


def test_the_index_answers_head_and_conditional_gets(stack: Stack) -> None:
    published_category(stack)
    feeds = stack.client("feeds")
    for path in ("/", "/index.json"):
        def unchanged_while_asked(path: str = path) -> bool:
            """The index lists every feed, and the session's other events may still be
            rendering some: a round of requests counts if the index did not change during it."""
            full = feeds.get(path)
            assert full.status_code == 200
            assert full.headers["content-type"] == "application/json"
            etag = full.headers["etag"]
            assert etag.startswith('"') and full.headers["vary"] == "Accept-Encoding"
            head = feeds.head(path)
            conditional = feeds.get(path, headers={"If-None-Match": etag})
            conditional_head = feeds.head(path, headers={"If-None-Match": etag})
            if feeds.get(path).headers["etag"] != etag:
                return False  # changed meanwhile: ask again
            assert head.status_code == 200 and head.content == b""
            assert head.headers["etag"] == etag
            assert head.headers["content-length"] == full.headers["content-length"]
            assert conditional.status_code == 304
            assert conditional_head.status_code == 304
            return True

        wait_for(unchanged_while_asked, what=f"{path} unchanged for a round of requests")
    described = httpx.get(f"{stack.urls['feeds']}/openapi.json", timeout=10).json()
    assert "FeedIndex" in described["components"]["schemas"]


def test_the_index_sorts_numbers_by_value(stack: Stack) -> None:
    # Two comment feeds of articles far beyond any real id: 10000000 sorts after 9999999.
    for number in (10000000, 9999999):
        stack.sql("feeds", "INSERT INTO feeddocument (path, title, content_type, body, "
                           "body_gzip, etag, last_modified, revision) VALUES (:path, 'T', "
                           "'application/feed+json', :body, :body, '\"x\"', :at, 1)",
                  path=f"articles/{number}/comments.json", body=b"{}",
                  at=datetime(2026, 1, 1))
    try:
        listed = [f["path"] for f in stack.client("feeds").get("/index.json").json()["feeds"]]
        ids = [int(path.split("/")[1]) for path in listed if path.startswith("articles/")]
        assert ids == sorted(ids) and ids[-2:] == [9999999, 10000000]
    finally:
        stack.sql("feeds", "DELETE FROM feeddocument WHERE path IN (:one, :other)",
                  one="articles/10000000/comments.json", other="articles/9999999/comments.json")


def test_feeds_are_served_gzipped_to_clients_that_take_it(stack: Stack) -> None:
    slug = published_category(stack)
    path = f"/categories/{slug}.rss"
    # Raw bytes, as a feed reader sees them: no client-side decoding.
    with httpx.Client(base_url=f"{stack.urls['feeds']}/feeds", timeout=10) as raw:
        plain = raw.get(path, headers={"Accept-Encoding": "identity"})
        packed = raw.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        with raw.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as stream:
            wire = b"".join(stream.iter_raw())
        for response in (plain, packed):
            assert response.status_code == 200
            assert response.headers["vary"] == "Accept-Encoding"
            assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert gzip.decompress(wire) == plain.content  # one gzip layer, not two
        assert int(packed.headers["content-length"]) == len(wire) < len(plain.content)
        # Two representations, two strong ETags; each revalidates in its own encoding.
        assert packed.headers["etag"] != plain.headers["etag"]
        for accept, response in (("identity", plain), ("gzip", packed)):
            again = raw.get(path, headers={"Accept-Encoding": accept,
                                           "If-None-Match": response.headers["etag"]})
            assert again.status_code == 304 and again.headers["vary"] == "Accept-Encoding"
            assert again.headers["etag"] == response.headers["etag"]
        # The other encoding's ETag is not this representation's: the full document.
        crossed = raw.get(path, headers={"Accept-Encoding": "gzip",
                                         "If-None-Match": plain.headers["etag"]})
        assert crossed.status_code == 200 and crossed.headers["content-encoding"] == "gzip"
        head = raw.head(path, headers={"Accept-Encoding": "gzip"})
        assert head.headers["content-encoding"] == "gzip" and head.content == b""
        assert head.headers["content-length"] == packed.headers["content-length"]
        # If-Modified-Since works whatever the encoding.
        modified = plain.headers["last-modified"]
        for accept in ("identity", "gzip"):
            assert raw.get(path, headers={"Accept-Encoding": accept,
                                          "If-Modified-Since": modified}).status_code == 304


def test_a_new_articles_comment_feed_is_served_with_validators_before_any_comment(
        stack: Stack) -> None:
    """Made on request (empty_feeds.py), not stored: the same ETag and Last-Modified on every
    request, 304s for them, and the stored feed's newer ones once a comment is rendered."""
    editor = stack.editor()
    slug = editor.post("/categories", json={"name": f"F {uuid.uuid4().hex[:6]}"}).json()["slug"]
    draft = editor.post("/articles", json={"title": "Quiet", "category": slug, "body": "x"}).json()
    article = editor.post(f"/articles/{draft['id']}/publish").raise_for_status().json()
    feeds, path = stack.client("feeds"), f"/articles/{draft['id']}/comments.atom"
    wait_for(lambda: feeds.get(path).status_code == 200, what="the comment feed")
    first = feeds.get(path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert "<entry>" not in first.text and "Comments on \u201cQuiet\u201d" in first.text
    assert datetime.strptime(modified, "%a, %d %b %Y %H:%M:%S GMT") == datetime.fromisoformat(
        article["updated_at"]).replace(microsecond=0, tzinfo=None)
    again = feeds.get(path)
    assert (again.headers["etag"], again.headers["last-modified"]) == (etag, modified)
    assert feeds.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert feeds.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    packed = feeds.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.content == first.content
    assert stack.sql("feeds", "SELECT path FROM feeddocument WHERE path = :p",
                     p=path.lstrip("/")) == []  # served, never stored
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{draft['id']}/comments").status_code == 200,
             what="the article in comments")
    post(comments, draft["id"], "First.")
    wait_for(lambda: "<entry>" in feeds.get(path).text, what="the first comment in its feed")
    stored = feeds.get(path)
    assert stored.headers["etag"] != etag
    assert datetime.strptime(stored.headers["last-modified"], "%a, %d %b %Y %H:%M:%S GMT") >= \
        datetime.strptime(modified, "%a, %d %b %Y %H:%M:%S GMT")
