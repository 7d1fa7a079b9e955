"""The feeds API, under `/feeds`: stored documents served as a lookup, with ETag and 304."""

from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Request, Response

from services.feeds import feeding
from services.feeds.bootstrap import runtime
from services.feeds.render import aware
from shared.api import create_app

router = APIRouter(prefix="/feeds")
CACHE_CONTROL = "public, max-age=300"


@router.api_route("/{path:path}", methods=["GET", "HEAD"])
def get_feed(path: str, request: Request) -> Response:
    """A feed document (e.g. `categories/<slug>.rss`, `site.atom`), or 304 if unchanged."""
    with runtime.sessions() as session:
        document = feeding.get_document(session=session, path=path)
    last_modified = aware(document.last_modified)
    headers = {"ETag": document.etag, "Last-Modified": format_datetime(last_modified, usegmt=True),
               "Cache-Control": CACHE_CONTROL}
    if _not_modified(request, document.etag, last_modified):
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type=document.content_type, headers=headers)


def _not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return last_modified <= aware(parsedate_to_datetime(since))
        except (TypeError, ValueError):
            return False
    return False


app = create_app(title="Burg feeds", description="RSS and Atom feeds of categories and the site.")
app.include_router(router)
