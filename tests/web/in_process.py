"""An in-process site for tests of its freshness window: the web app made here, on a clock the
test moves, calling a running stack's real APIs."""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from services.web.app import create_app
from services.web.settings import WebSettings
from services.web.site import Site
from tests.conftest import Stack

WINDOW = 1.0


def settings_for(stack: Stack, tmp_path: Path) -> WebSettings:
    """An in-process site's settings (window WINDOW), calling the stack's APIs."""
    return WebSettings(data_dir=tmp_path, site_url="http://site.test",
                       posts_url=stack.urls["posts"], comments_url=stack.urls["comments"],
                       notify_url=stack.urls["notify"], feeds_url=stack.urls["feeds"],
                       page_fresh_seconds=WINDOW)


def with_site(stack: Stack, tmp_path: Path,
              test: Callable[[httpx.AsyncClient, list[float], Site], Awaitable[None]]) -> None:
    """Run `test` with a client of an in-process site (window WINDOW), its clock (a list of
    one number to move, for its article pages, its lists and its sidebar alike) and its Site."""
    app = create_app(settings_for(stack, tmp_path))
    now = [1000.0]
    site = app.state.site
    site.article_pages.clock = site.listing_pages.clock = site.sidebar.clock = lambda: now[0]

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://site.test") as site:
            await test(site, now, app.state.site)

    asyncio.run(run())


def without_id(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [item for item in headers.multi_items() if item[0] != "x-request-id"]
