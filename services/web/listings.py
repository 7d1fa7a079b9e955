"""The site's lists of articles: the front page, a category's page and the archive by date
(`/archive/2026/`, `/archive/2026/11/`, `/archive/2026/11/27/`), each in numbered pages
(`?page=2`) with newer and older links. The front and category pages still follow the
`?cursor=` links they handed out before they had numbers.

A list is the same for every reader: sent with a strong ETag of its bytes and `public,
no-cache`, so a browser or a shared cache keeps it and a matching If-None-Match is a 304."""

import asyncio
import calendar
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.apis import ServiceError
from services.web.article_pages import CACHE_CONTROL
from services.web.site import Site, SiteDep, page
from shared.api import SLUG
from shared.http import not_modified, strong_etag

ARTICLES_A_PAGE = 20
ARCHIVE_A_PAGE = 50
MAX_PAGE = 100_000  # the posts API's largest page number
SLUG_FORM = re.compile(SLUG)
YEAR, TWO_DIGITS = re.compile(r"[0-9]{4}"), re.compile(r"[0-9]{2}")

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def front(request: Request, site: SiteDep, page: str | None = None,
                cursor: str | None = None) -> Response:
    """The newest articles across categories, whole (or as teasers), a numbered page of
    them, and the categories with their feeds."""
    params = _list_params(page, cursor)
    if params is None:
        return _no_page(request)
    articles, categories = await asyncio.gather(
        site.apis.get(f"{site.apis.posts}/articles", params=params),
        site.apis.get(f"{site.apis.posts}/categories"))
    await site.apis.with_counts(articles["data"])
    return _cacheable(request, site, "front.html", articles=articles, categories=categories,
                      here="/")


@router.get("/categories/{slug}", response_class=HTMLResponse)
async def category(request: Request, site: SiteDep, slug: str, page: str | None = None,
                   cursor: str | None = None) -> Response:
    """One category's articles in numbered pages, with its feeds named for readers and feed
    readers."""
    params = _list_params(page, cursor)
    if params is None or not SLUG_FORM.fullmatch(slug):
        return _no_page(request)
    found, articles = await asyncio.gather(
        site.apis.get(f"{site.apis.posts}/categories/{slug}"),
        site.apis.get(f"{site.apis.posts}/articles", params=params | {"category": slug}))
    await site.apis.with_counts(articles["data"])
    return _cacheable(request, site, "category.html", category=found, articles=articles,
                      here=f"/categories/{slug}")


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
    number = _number(page)
    if (number is None or not YEAR.fullmatch(year)
            or any(p is not None and not TWO_DIGITS.fullmatch(p) for p in (month, day))):
        return _no_page(request)
    path = "/".join(p for p in (year, month, day) if p)
    try:
        found = await site.apis.get(f"{site.apis.posts}/archive/{path}",
                                    params={"page": number, "limit": ARCHIVE_A_PAGE})
    except ServiceError as exc:
        if exc.status in (404, 422):  # no such date, or a page past the last
            return _no_page(request)
        raise
    return _cacheable(request, site, "archive.html", archive=found, here=f"/archive/{path}/",
                      weeks=_weeks(found["period"]), month_name=calendar.month_name)


def archive_path(period: dict[str, Any] | None) -> str:
    """The archive page of a period (`{"year", "month", "day"}`)."""
    if not period:
        return ""
    parts = [f"{period['year']:04d}"] + [f"{period[k]:02d}" for k in ("month", "day")
                                         if period.get(k)]
    return f"/archive/{'/'.join(parts)}/"


def _weeks(period: dict[str, Any]) -> list[list[int]]:
    """The month's calendar (weeks from Monday, 0 outside the month), for a month or a day."""
    if not period.get("month"):
        return []
    return calendar.Calendar().monthdayscalendar(period["year"], period["month"])


def _number(page: str | None) -> int | None:
    """The page number of `?page=` (1 without one); None for anything but 1 to MAX_PAGE."""
    if page is None:
        return 1
    if page.isascii() and page.isdigit() and len(page) <= 6 and 1 <= int(page) <= MAX_PAGE:
        return int(page)
    return None


def _list_params(page: str | None, cursor: str | None) -> dict[str, Any] | None:
    """What the posts API is asked for: an old cursor's page as it was, else a numbered one."""
    if cursor:
        return {"limit": ARTICLES_A_PAGE, "cursor": cursor}
    number = _number(page)
    return None if number is None else {"limit": ARTICLES_A_PAGE, "page": number}


def _no_page(request: Request) -> Response:
    return page(request, "error.html", status=404, message="There is no such page.")


def _cacheable(request: Request, site: Site, template: str, **context: Any) -> Response:
    """The page from `template`, with a strong ETag of its bytes: a 304 if the client has
    them."""
    body = site.templates.get_template(template).render(
        context | {"request": request, "teasers": site.settings.front_teasers,
                   "archive_path": archive_path}).encode()
    headers = {"ETag": strong_etag(body), "Cache-Control": CACHE_CONTROL.decode()}
    if not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return HTMLResponse(body, headers=headers)
