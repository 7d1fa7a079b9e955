"""The /search page kept as bytes (services/web/search_pages.py): rendered once while the
search API's results stand, with a strong ETag and 304; a comment found past the kept page
is on it once BURG_WEB_PAGE_FRESH_SECONDS has passed; a refused query is a 400, never kept.

The site runs in this process on a clock of the test's, calling the stack's real APIs."""

import asyncio
from pathlib import Path

import httpx

from services.web.app import create_app
from services.web.search_pages import SearchPages
from services.web.settings import WebSettings
from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.search.helpers import found, publish, word


def test_a_search_page_is_rendered_once_per_change_of_its_results(stack: Stack,
                                                                  tmp_path: Path) -> None:
    term = word()
    article = publish(stack, f"News of {term}", f"The {term} happened.")
    wait_for(lambda: len(found(stack, term)) == 1, what="the article in search")
    settings = WebSettings(data_dir=tmp_path, site_url="http://site.test",
                           posts_url=stack.urls["posts"], comments_url=stack.urls["comments"],
                           notify_url=stack.urls["notify"], feeds_url=stack.urls["feeds"],
                           search_url=stack.urls["search"], page_fresh_seconds=1.0)
    app = create_app(settings)
    pages = app.state.search_pages
    now = [1000.0]
    pages.clock = lambda: now[0]

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://site.test") as site:
            first = await site.get("/search", params={"q": term})
            assert first.status_code == 200 and "News of" in first.text
            again = await site.get("/search", params={"q": term})
            assert again.content == first.content and pages.renders == 1
            etag = first.headers["etag"]
            assert not etag.startswith("W/")
            unchanged = await site.get("/search", params={"q": term},
                                       headers={"If-None-Match": etag})
            assert unchanged.status_code == 304

            note = post(stack.client("comments"), article["id"], f"A {term} indeed.")
            wait_for(lambda: len(found(stack, term)) == 2, what="the comment in search")
            now[0] += 0.5  # within the window: the kept page
            assert (await site.get("/search", params={"q": term})).content == first.content
            now[0] += 1.0  # past it: the API's results changed, rendered anew
            later = await site.get("/search", params={"q": term})
            assert later.status_code == 200 and later.content != first.content
            assert note["comment"]["nic"] in later.text and pages.renders == 2
            now[0] += 2.0  # past it again, nothing changed: the API's 304, no render
            assert (await site.get("/search", params={"q": term})).content == later.content
            assert pages.renders == 2

            refused = await site.get("/search", params={"q": "x" * 600})
            assert refused.status_code == 400 and pages.renders == 2

    asyncio.run(run())


def test_the_kept_search_pages_stay_within_their_bytes() -> None:
    pages = SearchPages(fresh_for=1.0, max_bytes=20_000, clock=lambda: 0.0)
    for n in range(100):
        pages.rendered((f"q{n}", "relevant", 1, 0), b"x" * 1000, '"e"', 0.0)
        assert pages.size <= 20_000
    assert pages.fresh(("q99", "relevant", 1, 0)) and not pages.fresh(("q0", "relevant", 1, 0))
    pages.rendered(("no etag", "relevant", 1, 0), b"y", None, 0.0)  # nothing to ask with
    assert pages.stale(("no etag", "relevant", 1, 0)) is None
