"""`/search?q=…&order=relevant|newest&page=N`: articles and comments found by their words,
from the search service's API. The search box in every page's header sends here. A page of
results is rendered once and kept as bytes until the API's results change (search_pages.py)."""

import html
import re
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from services.web.apis import Apis, Json, ServiceError
from services.web.search_pages import KeptSearch, Key, SearchPages
from shared.http import not_modified

_MARK = re.compile(r"(</?mark>)")
CACHE_CONTROL = "public, no-cache"  # the same for every reader; asked about (ETag) each use


def marked(snippet_html: str) -> Markup:
    """The search API's snippet as the page shows it: escaped anew but for `<mark>` and
    `</mark>`, so that nothing else in it can ever be markup, whatever the API sent."""
    tags = {"<mark>": Markup("<mark>"), "</mark>": Markup("</mark>")}
    return Markup("").join(tags.get(piece) or escape(html.unescape(piece))
                           for piece in _MARK.split(snippet_html))


def search_router(apis: Apis, page: Any, pages: SearchPages | None = None) -> APIRouter:
    """The route, given the site's APIs, its page renderer and the kept pages (none: every
    request is rendered)."""
    router = APIRouter()

    @router.get("/search", response_class=HTMLResponse)
    async def search(request: Request, q: str = "",
                     order: Literal["relevant", "newest"] = "relevant",
                     page_number: int = Query(1, alias="page", ge=1, le=1000)) -> Response:
        """The results for `q`, a page at a time, most relevant or newest first."""
        context: Json = {"q": q, "order": order, "found": None, "problem": None,
                         "newer": None, "older": None}
        status = 200
        if q.strip():
            key = (q, order, page_number, request.app.state.site.sidebar.version)
            try:
                if pages is not None:
                    kept = pages.fresh(key) or await _checked(request, key)
                    return _kept_response(request, kept)
                found = await apis.search(q, order, page_number)
            except ServiceError as exc:
                if exc.status not in (400, 422):
                    raise
                status, context["problem"] = 400, _problem(exc.detail)
            else:
                context |= _found(q, order, page_number, found)
        return page(request, "search.html", status=status, **context,
                    other_order=_link(q, "newest" if order == "relevant" else "relevant", 1))

    async def _checked(request: Request, key: Key) -> KeptSearch:
        assert pages is not None
        q, order, number, _ = key
        started, stale = pages.clock(), pages.stale(key)
        api_etag, found = await apis.if_changed(
            apis.search_api, stale.api_etag if stale else None,
            {"q": q, "order": order, "page": number})
        if found is None and stale is not None:
            return pages.checked(key, stale, started)
        assert found is not None
        rendered = page(request, "search.html", q=q, order=order, problem=None,
                        **_found(q, order, number, found),
                        other_order=_link(q, "newest" if order == "relevant" else "relevant", 1))
        return pages.rendered(key, bytes(rendered.body), api_etag, started)

    return router


def _found(q: str, order: str, number: int, found: Json) -> Json:
    return {"found": found, "newer": _link(q, order, number - 1) if number > 1 else None,
            "older": _link(q, order, found["next_page"]) if found.get("next_page") else None}


def _kept_response(request: Request, kept: KeptSearch) -> Response:
    headers = {"ETag": kept.etag, "Cache-Control": CACHE_CONTROL}
    if not_modified(request, kept.etag):
        return Response(status_code=304, headers=headers)
    return Response(kept.body, media_type="text/html; charset=utf-8", headers=headers)


def _link(q: str, order: str, number: int) -> str:
    return "/search?" + urlencode({"q": q, "order": order, "page": number})


def _problem(detail: str) -> str:
    """The search API's complaint about a query, as a sentence for the reader."""
    words = detail.removeprefix("q: ").removeprefix("page: ")
    return f"Sorry, that search cannot be run: {words}."
