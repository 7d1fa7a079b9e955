"""An article page goes out as bytes for BURG_WEB_PAGE_FRESH_SECONDS after a check against the
APIs found it current (kept_pages.py): within that window readers cost the APIs nothing, a
comment posted past the site is on the page once the window has passed, and one posted through
the site is on every reader's page at once. The page from bytes carries the very headers the
route sends (the security headers too), and a 304 for a copy the reader holds.

The site runs in this process on a clock of the test's, calling the stack's real APIs."""

import uuid
from pathlib import Path

import httpx

from services.web.site import Site
from tests.comments.helpers import post
from tests.conftest import Stack
from tests.web.helpers import opened
from tests.web.in_process import WINDOW, with_site, without_id


def test_a_comment_posted_past_the_site_is_on_the_page_once_the_window_has_passed(
        stack: Stack, tmp_path: Path) -> None:
    _, article = opened(stack)
    path = f"/articles/{article['slug']}"

    async def test(site: httpx.AsyncClient, now: list[float], pages: Site) -> None:
        first = await site.get(path)
        assert first.status_code == 200
        for n in range(2):
            words = f"Past the site {n} {uuid.uuid4().hex[:8]}"
            post(stack.client("comments"), article["id"], words)
            now[0] += WINDOW * 0.9  # within the window: the bytes in hand, no check
            held = await site.get(path)
            assert held.content == first.content and words not in held.text
            now[0] += WINDOW * 0.2  # the check that gave them began a window ago: check again
            later = await site.get(path)
            assert words in later.text and later.headers["etag"] != first.headers["etag"]
            first = later

    with_site(stack, tmp_path, test)


def test_a_comment_posted_through_the_site_is_on_every_page_at_once(
        stack: Stack, tmp_path: Path) -> None:
    _, article = opened(stack)
    path = f"/articles/{article['slug']}"

    async def test(site: httpx.AsyncClient, now: list[float], pages: Site) -> None:
        assert (await site.get(path)).status_code == 200
        words = f"Through the site {uuid.uuid4().hex[:8]}"
        sent = await site.post(path, data={"csrf": "", "nic": f"N {uuid.uuid4().hex[:6]}",
                                           "body": words},
                               headers={"Sec-Fetch-Site": "same-origin"})
        assert sent.status_code == 303
        site.cookies.clear()  # another reader, at the same instant
        assert words in (await site.get(path)).text

    with_site(stack, tmp_path, test)


def test_the_page_from_bytes_has_the_routes_headers_and_304(stack: Stack,
                                                            tmp_path: Path) -> None:
    _, article = opened(stack)
    path = f"/articles/{article['slug']}"
    commenter = post(stack.client("comments"), article["id"], "So the page has a thread.")

    async def test(site: httpx.AsyncClient, now: list[float], pages: Site) -> None:
        # A commenter's cookie sends the request to the route, which (their view being
        # everyone's) answers the same page.
        cookie = {"Cookie": f"burg_commenter={commenter['commenter_token']}"}
        by_route = await site.get(path, headers=cookie)
        from_bytes = await site.get(path, headers={"X-Request-ID": "reader-1"})
        assert from_bytes.content == by_route.content
        assert from_bytes.headers["x-request-id"] == "reader-1"
        assert (without_id(from_bytes.headers) == without_id(by_route.headers)
                and "content-security-policy" in from_bytes.headers)
        etag = {"If-None-Match": from_bytes.headers["etag"]}
        held, held_by_route = (await site.get(path, headers=etag),
                               await site.get(path, headers=etag | cookie))
        assert held.status_code == held_by_route.status_code == 304 and held.content == b""
        assert without_id(held.headers) == without_id(held_by_route.headers)

    with_site(stack, tmp_path, test)
