"""`/recent` and `/nics/<nic>`: the newest comments across the site, and one nic's, newest
first, a page at a time, each comment with its article (the comments API's site-wide lists,
which it answers from bytes)."""

from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.web.apis import ServiceError
from services.web.site import SiteDep, page

LISTED = 20  # comments on a page
NO_NIC = "No one comments under this nic."
MAX_NIC = 40  # characters, as the comments service takes them

router = APIRouter()


@router.get("/recent", response_class=HTMLResponse)
async def recent(request: Request, site: SiteDep, page_number: int = Query(1, alias="page")
                 ) -> Response:
    """The newest comments across the site, newest first, paged."""
    _, found = await site.apis.if_changed(f"{site.apis.comments}/recent", None,
                                          {"page": page_number, "limit": LISTED})
    return page(request, "recent.html", recent=found)


@router.get("/nics/{nic:path}", response_class=HTMLResponse)
async def nic(request: Request, site: SiteDep, nic: str,
              page_number: int = Query(1, alias="page")) -> Response:
    """A nic's comments, newest first, paged, with their count and since when the nic
    comments; the same page for every spelling that compares equal ("ADMIN", "admin")."""
    if not nic or len(nic) > MAX_NIC or not nic.isprintable():
        return page(request, "error.html", status=404, message=NO_NIC)
    try:
        _, found = await site.apis.if_changed(
            f"{site.apis.comments}/nics/{quote(nic, safe='')}/comments", None,
            {"page": page_number, "limit": LISTED})
    except ServiceError as exc:
        if exc.status in (404, 422) and page_number >= 1:
            return page(request, "error.html", status=404, message=NO_NIC)
        raise
    return page(request, "nic.html", found=found)
