"""The lists of articles as bytes (kept_pages.py): the front page, a category's page and the
archive's pages, each numbered page one page for every reader, rendered once per change of
what it shows and answered before the framework runs (page_bytes.py).

Their parts: the list (the posts API's numbered page, with its ETag: a new, edited or
retracted article changes it), the categories it names (the front page's list of them, a
category's own), then the listed articles' comment counts (the comments API's `/counts`, with
its ETag); the sidebar is put in as each is served (kept_pages.py). The site announces a
change it made to any article or thread with `ListingPages.changed()`: every list may show it.

A page the posts API refuses (a date that is none, a page past the last) is not kept; the
kept pages are bounded in bytes (BURG_WEB_LIST_PAGES_BYTES)."""

import calendar
from collections.abc import Mapping
from typing import Any

from fastapi.templating import Jinja2Templates

from services.web.apis import Apis, Json, ServiceError
from services.web.kept_pages import Got, KeptPages, conditional
from services.web.sidebar import MARKER

# ("front", "", page), ("category", slug, page) or ("archive", "2026/11", page)
Key = tuple[str, str, int]
ARTICLES_A_PAGE = 20
ARCHIVE_A_PAGE = 50
LIST, CATEGORIES, COUNTS = "list", "categories", "counts"
NOTHING = Got(None, None, None)  # a part a kind of page does not have


class _List:
    name = LIST

    def __init__(self, apis: Apis) -> None:
        self.apis = apis

    async def check(self, key: Key, given: Mapping[str, Any], old: Got | None) -> Got:
        kind, what, number = key
        if kind == "archive":
            return await conditional(self.apis, f"{self.apis.posts}/archive/{what}",
                                     {"page": number, "limit": ARCHIVE_A_PAGE}, old)
        return await conditional(self.apis, f"{self.apis.posts}/articles", list_params(
            {"page": number}) | ({"category": what} if kind == "category" else {}), old)


class _Categories:
    name = CATEGORIES

    def __init__(self, apis: Apis) -> None:
        self.apis = apis

    async def check(self, key: Key, given: Mapping[str, Any], old: Got | None) -> Got:
        kind, what, _ = key
        if kind == "archive":
            return NOTHING
        url = f"{self.apis.posts}/categories" + (f"/{what}" if kind == "category" else "")
        return await conditional(self.apis, url, None, old)


class _Counts:
    """The listed articles' comment counts, in one conditional GET."""

    name = COUNTS

    def __init__(self, apis: Apis) -> None:
        self.apis = apis

    async def check(self, key: Key, given: Mapping[str, Any], old: Got | None) -> Got:
        ids = [int(article["id"]) for article in given[LIST]["data"]]
        if key[0] == "archive" or not ids:
            return NOTHING
        try:
            return await conditional(self.apis, f"{self.apis.comments}/counts",
                                     {"article_id": ids}, old)
        except ServiceError:  # the counts are left out, until the next check
            return NOTHING


class ListingPages(KeptPages[Key]):
    """This process's rendered lists of articles (each its own group)."""

    def __init__(self, apis: Apis, templates: Jinja2Templates, teasers: bool,
                 **options: Any) -> None:
        def render(key: Key, data: Mapping[str, Any]) -> bytes:
            return render_list(templates, teasers, key, data[LIST], data[CATEGORIES],
                               data[COUNTS])

        super().__init__([[_List(apis), _Categories(apis)], [_Counts(apis)]], render,
                         group=_itself, **options)


def _itself(key: Key) -> Key:
    return key


def list_params(number: Mapping[str, Any]) -> dict[str, Any]:
    """What the posts API is asked for a list's page (`{"page": n}` or `{"cursor": c}`)."""
    return {"limit": ARTICLES_A_PAGE, **number}


def render_list(templates: Jinja2Templates, teasers: bool, key: Key, found: Json,
                categories: Any, counts: Json | None) -> bytes:
    """The page of `key` (its number aside, what `found` says) from the posts API's list
    `found`, the `categories` it names and its articles' comment `counts`."""
    kind, what, _ = key
    context: dict[str, Any] = {"teasers": teasers, "archive_path": archive_path,
                               "sidebar": MARKER}  # the kept page takes the current one
    if kind == "archive":
        template = "archive.html"
        context |= {"archive": found, "here": f"/archive/{what}/",
                    "weeks": _weeks(found["period"]), "month_name": calendar.month_name}
    else:
        known = (counts or {}).get("counts", {})
        articles = found | {"data": [article | {"comment_count": known.get(str(article["id"]))}
                                     for article in found["data"]]}
        template = "front.html" if kind == "front" else "category.html"
        context |= {"articles": articles, "here": f"/categories/{what}" if what else "/",
                    ("categories" if kind == "front" else "category"): categories}
    return templates.get_template(template).render(context).encode()


def archive_path(period: Mapping[str, Any] | None) -> str:
    """The archive page of a period (`{"year", "month", "day"}`)."""
    if not period:
        return ""
    parts = [f"{period['year']:04d}"] + [f"{period[k]:02d}" for k in ("month", "day")
                                         if period.get(k)]
    return f"/archive/{'/'.join(parts)}/"


def _weeks(period: Mapping[str, Any]) -> list[list[int]]:
    """The month's calendar (weeks from Monday, 0 outside the month), for a month or a day."""
    if not period.get("month"):
        return []
    return calendar.Calendar().monthdayscalendar(period["year"], period["month"])

