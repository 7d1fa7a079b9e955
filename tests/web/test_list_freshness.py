"""The lists of articles (front, category and archive pages) are kept as bytes like article
pages (listing_pages.py): within BURG_WEB_PAGE_FRESH_SECONDS readers cost the APIs nothing; a
new article, a retraction or a comment made past the site is on the front page once the window
has passed; one made through the site at once. The page from bytes carries the route's very
headers, and a page the posts API does not have is not kept.

The site runs in this process on a clock of the test's, calling the stack's real APIs."""

import asyncio
import re
import uuid
from pathlib import Path

import httpx

from services.web.app import create_app
from services.web.site import Site
from tests.comments.helpers import post
from tests.conftest import Stack
from tests.posts.helpers import new_article
from tests.web.helpers import opened
from tests.web.in_process import WINDOW, settings_for, with_site, without_id


def count_of(page: httpx.Response, slug: str) -> str:
    """The comment count the list shows for the article `slug`."""
    found = re.search(rf'href="/articles/{slug}#comments">([^<]*)</a>', page.text)
    assert found, f"{slug} is not on the page"
    return found.group(1)


def test_new_retracted_and_commented_articles_are_on_the_front_page_once_the_window_has_passed(
        stack: Stack, tmp_path: Path) -> None:
    category, article = opened(stack)

    async def test(site: httpx.AsyncClient, now: list[float], pages: Site) -> None:
        first = await site.get("/")
        assert first.status_code == 200 and count_of(first, article["slug"]) == "0 comments"
        renders = pages.listing_pages.renders

        async def after_the_window(changed: str) -> httpx.Response:
            nonlocal first
            now[0] += WINDOW * 0.9  # within the window: the bytes in hand, no check
            held = await site.get("/")
            assert held.content == first.content, f"{changed}: shown within the window"
            now[0] += WINDOW * 0.2  # the check that gave them began a window ago
            later = await site.get("/")
            assert later.headers["etag"] != first.headers["etag"], f"{changed}: not shown"
            first = later
            return later

        newer = new_article(stack, category["slug"], title=f"Newer {uuid.uuid4().hex[:8]}")
        assert newer["title"] in (await after_the_window("a new article")).text
        post(stack.client("comments"), article["id"], "A comment past the site.")
        assert count_of(await after_the_window("a comment"), article["slug"]) == "1 comment"
        stack.editor().post(f"/articles/{newer['id']}/retract").raise_for_status()
        assert newer["title"] not in (await after_the_window("a retraction")).text
        # Nothing changed: a check (304s) and no render.
        now[0] += WINDOW * 1.1
        assert (await site.get("/")).content == first.content
        assert pages.listing_pages.renders == renders + 3

    with_site(stack, tmp_path, test)


def test_a_comment_posted_through_the_site_counts_on_the_lists_at_once(
        stack: Stack, tmp_path: Path) -> None:
    category, article = opened(stack)
    here = f"/categories/{category['slug']}"

    async def test(site: httpx.AsyncClient, now: list[float], pages: Site) -> None:
        for path in ("/", here):
            assert count_of(await site.get(path), article["slug"]) == "0 comments"
        sent = await site.post(f"/articles/{article['slug']}", data={
            "csrf": "", "nic": f"N {uuid.uuid4().hex[:6]}", "body": "Through the site."},
            headers={"Sec-Fetch-Site": "same-origin"})
        assert sent.status_code == 303
        site.cookies.clear()  # another reader, at the same instant
        for path in ("/", here):
            assert count_of(await site.get(path), article["slug"]) == "1 comment"

    with_site(stack, tmp_path, test)


def test_a_list_from_bytes_has_the_routes_headers_and_304(stack: Stack, tmp_path: Path) -> None:
    category, article = opened(stack)
    year, month = article["published_at"][:4], article["published_at"][5:7]
    route_only = create_app(settings_for(stack, tmp_path))
    route_only.reads = None  # every request goes to the routes

    async def test(site: httpx.AsyncClient, now: list[float], pages: Site) -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=route_only),
                                     base_url="http://site.test") as by_route:
            for path in ("/", f"/categories/{category['slug']}", "/?page=1",
                         f"/archive/{year}/", f"/archive/{year}/{month}/"):
                from_bytes = await site.get(path, headers={"X-Request-ID": "reader-1"})
                routed = await by_route.get(path)
                assert from_bytes.status_code == routed.status_code == 200, path
                assert from_bytes.content == routed.content, path
                assert from_bytes.headers["x-request-id"] == "reader-1"
                assert without_id(from_bytes.headers) == without_id(routed.headers), path
                assert "content-security-policy" in from_bytes.headers
                etag = {"If-None-Match": from_bytes.headers["etag"]}
                held, held_by_route = (await site.get(path, headers=etag),
                                       await by_route.get(path, headers=etag))
                assert held.status_code == held_by_route.status_code == 304, path
                assert without_id(held.headers) == without_id(held_by_route.headers), path
        assert len(pages.listing_pages) == 4  # "/?page=1" is "/"

    with_site(stack, tmp_path, test)


def test_pages_the_posts_api_does_not_have_are_not_kept(stack: Stack, tmp_path: Path) -> None:
    category, _ = opened(stack)

    async def test(site: httpx.AsyncClient, now: list[float], pages: Site) -> None:
        for path in ("/?page=99999", f"/categories/{category['slug']}?page=2",
                     "/categories/no-such-category", "/archive/2019/02/30/",
                     "/archive/1900/?page=2"):
            answer = await site.get(path)
            assert answer.status_code == 404 and "There is no such page." in answer.text, path
        assert len(pages.listing_pages) == 0

    with_site(stack, tmp_path, test)


def test_the_lists_kept_are_bounded_in_bytes(stack: Stack, tmp_path: Path) -> None:
    opened(stack)
    settings = settings_for(stack, tmp_path)
    app = create_app(settings.model_copy(update={"list_pages_bytes": 1}))

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://site.test") as site:
            for path in ("/", "/archive/2026/", "/"):
                assert (await site.get(path)).status_code == 200
        assert len(app.state.site.listing_pages) == 1  # the last one read, however large

    asyncio.run(run())
