"""The comments API's site-wide lists, under `/api/comments`: the newest comments, and a nic's
(lists.py), each page kept as bytes under the lists' version (pages.py) until a comment, an
article or a commenter changes: a reader's GET costs no database work."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.comments import lists
from services.comments.bootstrap import Service
from services.comments.deps import ServiceDep
from services.comments.lists import NicCommentsPublic, RecentPublic
from services.comments.models import NicPath
from services.comments.nics import stored_nic_keys
from services.comments.pages import SITE_WIDE
from shared.http import not_modified

lists_router = APIRouter(prefix="/api/comments")
RecentPage = Annotated[int, Query(ge=1, le=lists.MAX_RECENT_PAGES)]
NicPage = Annotated[int, Query(ge=1, le=10_000)]
ListLimit = Annotated[int, Query(ge=1, le=100)]  # comments in a page of a site-wide list


@lists_router.get("/recent", response_model=RecentPublic)
async def recent(request: Request, service: ServiceDep, page: RecentPage = 1,
                 limit: ListLimit = 20) -> Response:
    """A page of the newest public comments across the site, with their articles' titles
    (kept as bytes until a comment changes). Answers 304 to a matching If-None-Match."""
    def build() -> tuple[bytes, None]:
        with service.runtime.sessions() as session:
            found = lists.recent(session=session, page=page, limit=limit)
        return found.model_dump_json().encode(), None

    return await _kept(request, service, ("recent", page, limit), build)


# `:path`: a nic may hold a "/" (sent as %2F, which the server decodes before routing).
@lists_router.get("/nics/{nic:path}/comments", response_model=NicCommentsPublic)
async def nic_comments(nic: NicPath, request: Request, service: ServiceDep,
                       page: NicPage = 1, limit: ListLimit = 20) -> Response:
    """A page of the public comments under a nic (or one that compares equal: "ADMIN" is
    "admin"), newest first, their count and the first one's time; 404 for a nic no one uses.
    Answers 304 to a matching If-None-Match."""
    key = stored_nic_keys(nic).key

    def build() -> tuple[bytes, None]:
        with service.runtime.sessions() as session:
            found = lists.nic_comments(session=session, nic=nic, page=page, limit=limit)
        return found.model_dump_json().encode(), None

    return await _kept(request, service, ("nic", key, page, limit), build)


async def _kept(request: Request, service: Service, key: tuple[object, ...],
                build: Callable[[], tuple[bytes, None]]) -> Response:
    """A site-wide list's page from the bytes kept under the lists' version (pages.py)."""
    page = await service.pages.get(key, SITE_WIDE, build)
    headers = {"ETag": page.etag, "Cache-Control": "no-cache"}
    if not_modified(request, page.etag):
        return Response(status_code=304, headers=headers)
    return Response(page.body, media_type="application/json", headers=headers)
