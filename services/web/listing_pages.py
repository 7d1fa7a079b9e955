"""The lists of articles as bytes (kept_pages.py): the front page, a category's page and the
archive's pages, each numbered page one page for every reader, rendered once per change of
what it shows and answered before the framework runs (page_bytes.py).

Their parts: the list (the posts API's numbered page, with its ETag: a new, edited or
retracted article changes it), the categories it names (the front page's list of them, a
category's own), then each listed article's comment count (its thread's first comment, with
the thread's ETag). A sidebar comes as one more part. The site announces a change it made to
any article or thread with `ListingPages.changed()`: every list may show it.

A page the posts API refuses (a date that is none, a page past the last) is not kept; the
kept pages are bounded in bytes (BURG_WEB_LIST_PAGES_BYTES)."""

import asyncio
import calendar
from collections.abc import Mapping
from typing import Any

from fastapi.templating import Jinja2Templates

from services.web.apis import Apis, Json, ServiceError
from services.web.kept_pages import Got, KeptPages, conditional

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
    """The listed articles' comment counts (None where the comments service cannot say):
    `asked` holds their ids, `etag` their threads' ETags, `data` the counts."""

    name = COUNTS

    def __init__(self, apis: Apis) -> None:
        self.apis = apis

    async def check(self, key: Key, given: Mapping[str, Any], old: Got | None) -> Got:
        if key[0] == "archive":
            return NOTHING
        ids = tuple(int(article["id"]) for article in given[LIST]["data"])
        before = dict(zip(old.asked, zip(old.etag, old.data, strict=True), strict=True)
                      ) if old is not None and old.asked is not None else {}
        found = await asyncio.gather(*(self._count(n, before.get(n)) for n in ids))
        if old is not None and old.asked == ids and all(
                f == before[n] for n, f in zip(ids, found, strict=True)):
            return old
        return Got(ids, tuple(f[0] for f in found), tuple(f[1] for f in found))

    async def _count(self, article_id: int, before: tuple[str | None, int | None] | None
                     ) -> tuple[str | None, int | None]:
        try:
            etag, thread = await self.apis.if_changed(
                self.apis.thread_url(article_id), before[0] if before else None, {"limit": 1})
        except ServiceError:
            return None, None
        if thread is None and before is not None:
            return before
        return etag, thread["count"] if thread is not None else None


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
                categories: Any, counts: tuple[int | None, ...] | None) -> bytes:
    """The page of `key` (its number aside, what `found` says) from the posts API's list
    `found`, the `categories` it names and its articles' comment `counts`."""
    kind, what, _ = key
    context: dict[str, Any] = {"teasers": teasers, "archive_path": archive_path}
    if kind == "archive":
        template = "archive.html"
        context |= {"archive": found, "here": f"/archive/{what}/",
                    "weeks": _weeks(found["period"]), "month_name": calendar.month_name}
    else:
        articles = found | {"data": [article | {"comment_count": count} for article, count in
                                     zip(found["data"], counts or (), strict=True)]}
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

