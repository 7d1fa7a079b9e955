"""The site's lists of articles: the front page, a category's page and the archive by date
(`/archive/2026/`, `/archive/2026/11/`, `/archive/2026/11/27/`), each in numbered pages
(`?page=2`) with newer and older links. The front and category pages still follow the
`?cursor=` links they handed out before they had numbers.

A list is the same for every reader: kept as bytes (listing_pages.py; most GETs are answered
before they get here, by page_bytes.py), sent with a strong ETag of its bytes and `public,
no-cache`, so a browser or a shared cache keeps it and a matching If-None-Match is a 304."""

import asyncio
import re
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.apis import ServiceError
from services.web.kept_pages import CACHE_CONTROL
from services.web.listing_pages import Key, list_params, render_list
from services.web.sidebar import MARKER
from services.web.site import Site, SiteDep, page
from shared.api import SLUG
from shared.http import not_modified, strong_etag

MAX_PAGE = 100_000  # the posts API's largest page number
SLUG_FORM = re.compile(SLUG)
YEAR, TWO_DIGITS = re.compile(r"[0-9]{4}"), re.compile(r"[0-9]{2}")

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def front(request: Request, site: SiteDep, page: str | None = None,
                cursor: str | None = None) -> Response:
    """The newest articles across categories, whole (or as teasers), a numbered page of
    them, and the categories with their feeds."""
    return await _listed(request, site, "front", "", page, cursor)


@router.get("/categories/{slug}", response_class=HTMLResponse)
async def category(request: Request, site: SiteDep, slug: str, page: str | None = None,
                   cursor: str | None = None) -> Response:
    """One category's articles in numbered pages, with its feeds named for readers and feed
    readers."""
    if not SLUG_FORM.fullmatch(slug):
        return _no_page(request)
    return await _listed(request, site, "category", slug, page, cursor)


@router.get("/archive/", response_class=HTMLResponse)
async def archive_now() -> Response:
    """The archive's door: this year's page (which lists every year)."""
    # 302: next year it leads elsewhere.
    return RedirectResponse(f"/archive/{datetime.now(UTC).year:04d}/", status_code=302)


@router.get("/archive/{year}/", response_class=HTMLResponse)
@router.get("/archive/{year}/{month}/", response_class=HTMLResponse)
@router.get("/archive/{year}/{month}/{day}/", response_class=HTMLResponse)
async def archive(request: Request, site: SiteDep, year: str, month: str | None = None,
                  day: str | None = None, page: str | None = None) -> Response:
    """The articles of a year, a month or a day (UTC), newest first, with the nearest periods
    before and after that have articles, the months (or the month's calendar) with their
    counts, and every year. A date that is none (2026/13, 2026/02/30) is no page."""
    if (not YEAR.fullmatch(year)
            or any(p is not None and not TWO_DIGITS.fullmatch(p) for p in (month, day))):
        return _no_page(request)
    path = "/".join(p for p in (year, month, day) if p)
    return await _listed(request, site, "archive", path, page, None)


def number_of(page: str | None) -> int | None:
    """The page number of `?page=` (1 without one); None for anything but 1 to MAX_PAGE."""
    if page is None:
        return 1
    if page.isascii() and page.isdigit() and len(page) <= 6 and 1 <= int(page) <= MAX_PAGE:
        return int(page)
    return None


async def _listed(request: Request, site: Site, kind: str, what: str, page: str | None,
                  cursor: str | None) -> Response:
    """A numbered page as kept (listing_pages.py), or an old cursor's page rendered for this
    request; 404 for a page the posts API does not have."""
    number = number_of(page)
    try:
        if cursor:
            body = await _cursor_page(site, (kind, what, 0), cursor)
            etag = strong_etag(body)
        elif number is None:
            return _no_page(request)
        else:
            kept = await site.listing_pages.page((kind, what, number))
            body, etag = kept.body, kept.etag
    except ServiceError as exc:
        # No such category or date, or a page past the last; a damaged cursor is the error
        # page's 400, which leads to the first page.
        if exc.status == 404 or (exc.status == 422 and not cursor):
            return _no_page(request)
        raise
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL.decode()}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return HTMLResponse(body, headers=headers)


async def _cursor_page(site: Site, key: Key, cursor: str) -> bytes:
    what = key[1]
    posts = site.apis.posts
    found, categories = await asyncio.gather(
        site.apis.get(f"{posts}/articles", params=list_params({"cursor": cursor}) | (
            {"category": what} if what else {})),
        site.apis.get(f"{posts}/categories" + (f"/{what}" if what else "")))
    ids = [int(article["id"]) for article in found["data"]]
    try:
        counts = await site.apis.get(f"{site.apis.comments}/counts",
                                     params={"article_id": ids}) if ids else None
    except ServiceError:
        counts = None
    body = render_list(site.templates, site.settings.front_teasers, key, found, categories,
                       counts)
    return body.replace(MARKER.encode(), (await site.sidebar.current()).encode(), 1)


def _no_page(request: Request) -> Response:
    return page(request, "error.html", status=404, message="There is no such page.")
