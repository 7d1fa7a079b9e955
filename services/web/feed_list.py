"""`/all-feeds`: every feed of the site on one page, for people (the feeds service's
`/feeds/index.json` is the same list for programs)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.web.apis import Apis, Json

FORMATS = (("rss", "RSS"), ("atom", "Atom"), ("json", "JSON Feed"))
# The page's sections, in order: which feeds each holds (by the start of their path).
SECTIONS = (("The whole site", ("site", "comments")),
            ("Categories", ("categories/",)),
            ("Comments on each article", ("articles/",)))


def feed_list_router(apis: Apis, page: Any) -> APIRouter:
    """The route, given the site's APIs and its page renderer."""
    router = APIRouter()

    @router.get("/all-feeds", response_class=HTMLResponse)
    async def all_feeds(request: Request) -> Response:
        """Every feed, grouped (the site's, the categories', each article's comments), with
        a link to each of its formats."""
        feeds = await apis.feed_index()
        return page(request, "feeds.html", sections=sections(feeds), formats=FORMATS)

    return router


def sections(feeds: list[Json]) -> list[tuple[str, list[Json]]]:
    """The feeds under the page's headings, in the index's order; empty headings left out."""
    grouped: list[tuple[str, list[Json]]] = []
    for heading, starts in SECTIONS:
        listed = [feed for feed in feeds if _in(str(feed.get("path", "")), starts)]
        if listed:
            grouped.append((heading, listed))
    return grouped


def _in(path: str, starts: tuple[str, ...]) -> bool:
    return any(path == start or (start.endswith("/") and path.startswith(start))
               for start in starts)
