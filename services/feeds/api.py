"""The feeds API, under `/feeds`: stored documents served as a lookup, with ETag and 304."""

from email.utils import format_datetime

from fastapi import APIRouter, Request, Response

from services.feeds import documents
from services.feeds.bootstrap import runtime, settings
from shared.api import create_app
from shared.events import as_utc
from shared.http import not_modified

router = APIRouter(prefix="/feeds")
CACHE_CONTROL = "public, max-age=300"


@router.api_route("/{path:path}", methods=["GET", "HEAD"])
def get_feed(path: str, request: Request) -> Response:
    """A feed document (e.g. `categories/<slug>.rss`, `site.atom`), or 304 if unchanged."""
    with runtime.sessions() as session:
        document = documents.get_document(session=session, path=path)
    last_modified = as_utc(document.last_modified)
    headers = {"ETag": document.etag, "Last-Modified": format_datetime(last_modified, usegmt=True),
               "Cache-Control": CACHE_CONTROL}
    if not_modified(request, document.etag, last_modified):
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type=document.content_type, headers=headers)


app = create_app(title="Burg feeds", description="RSS and Atom feeds of categories and the site.",
                 max_body_bytes=settings.max_body_bytes)
app.include_router(router)
