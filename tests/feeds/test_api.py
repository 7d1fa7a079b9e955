"""The feeds API over HTTP: stored documents with ETag, Last-Modified and 304s."""

import uuid

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
