"""`/search?q=…&order=relevant|newest&page=N`: articles and comments found by their words,
from the search service's API. The search box in every page's header sends here."""

import html
import re
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from services.web.apis import Apis, Json, ServiceError

_MARK = re.compile(r"(</?mark>)")


def marked(snippet_html: str) -> Markup:
    """The search API's snippet as the page shows it: escaped anew but for `<mark>` and
    `</mark>`, so that nothing else in it can ever be markup, whatever the API sent."""
    tags = {"<mark>": Markup("<mark>"), "</mark>": Markup("</mark>")}
    return Markup("").join(tags.get(piece) or escape(html.unescape(piece))
                           for piece in _MARK.split(snippet_html))


def search_router(apis: Apis, page: Any) -> APIRouter:
    """The route, given the site's APIs and its page renderer."""
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
            try:
                found = await apis.search(q, order, page_number)
            except ServiceError as exc:
                if exc.status not in (400, 422):
                    raise
                status, context["problem"] = 400, _problem(exc.detail)
            else:
                context["found"] = found
                context["newer"] = _link(q, order, page_number - 1) if page_number > 1 else None
                if found.get("next_page"):
                    context["older"] = _link(q, order, found["next_page"])
        return page(request, "search.html", status=status, **context,
                    other_order=_link(q, "newest" if order == "relevant" else "relevant", 1))

    return router


def _link(q: str, order: str, number: int) -> str:
    return "/search?" + urlencode({"q": q, "order": order, "page": number})


def _problem(detail: str) -> str:
    """The search API's complaint about a query, as a sentence for the reader."""
    words = detail.removeprefix("q: ").removeprefix("page: ")
    return f"Sorry, that search cannot be run: {words}."
