"""The feeds API, under `/feeds`: stored documents served as a lookup, with ETag and 304, and
an index of every feed."""

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from services.feeds import documents
from services.feeds.bootstrap import runtime, settings
from services.feeds.render import feed_url
from shared.api import create_app
from shared.events import as_utc
from shared.http import not_modified

router = APIRouter(prefix="/feeds")
CACHE_CONTROL = "public, max-age=300"
FRESH_FOR = 0.1  # seconds this process serves a document it read without reading it again


@dataclass(frozen=True)
class Served:
    """A document as it goes out, and until when this process may send it as it is."""

    body: bytes
    headers: dict[str, str]
    content_type: str
    last_modified: datetime
    until: float


_served: dict[str, Served] = {}  # path → document; bounded by the number of feeds
_reading: dict[str, asyncio.Future[Served]] = {}  # path → its read under way


async def _current(path: str) -> Served:
    """The document at `path`, read again at most every FRESH_FOR seconds, by one request:
    the others meanwhile get the copy in hand (if any) instead of reading it too."""
    served = _served.get(path)
    if served is not None and served.until >= time.monotonic():
        return served
    reading = _reading.get(path)
    if reading is None:
        reading = _reading[path] = asyncio.ensure_future(run_in_threadpool(_read, path))
        reading.add_done_callback(lambda done: _keep(path, done))
    if served is not None and not reading.done():
        return served
    return await reading


def _keep(path: str, done: asyncio.Future[Served]) -> None:
    _reading.pop(path, None)
    if done.cancelled() or done.exception() is not None:
        _served.pop(path, None)  # gone (404) or unreadable: nobody gets the old copy
    else:
        _served[path] = done.result()


@router.get("/", include_in_schema=False)
@router.get("/index.json")
def index() -> dict[str, list[dict[str, str]]]:
    """Every feed: its title and the URL of each of its formats (RSS, Atom, JSON Feed)."""
    with runtime.sessions() as session:
        paths = documents.list_documents(session=session)
    feeds: dict[str, dict[str, str]] = {}
    for path, title in paths:
        stem, _, fmt = path.rpartition(".")
        feeds.setdefault(stem, {"title": title, "path": stem})[fmt] = feed_url(settings, path)
    return {"feeds": [feeds[stem] for stem in sorted(feeds)]}


@router.api_route("/{path:path}", methods=["GET", "HEAD"])
async def get_feed(path: str, request: Request) -> Response:
    """A feed document (e.g. `categories/<slug>.rss`, `site.atom`, `comments.json`), or 304
    if the client's copy is current."""
    served = await _current(path)
    if not_modified(request, served.headers["ETag"], served.last_modified):
        return Response(status_code=304, headers=served.headers)
    return Response(served.body, media_type=served.content_type, headers=served.headers)


def _read(path: str) -> Served:
    with runtime.sessions() as session:
        document = documents.get_document(session=session, path=path)
    last_modified = as_utc(document.last_modified)
    headers = {"ETag": document.etag, "Cache-Control": CACHE_CONTROL,
               "Last-Modified": format_datetime(last_modified, usegmt=True)}
    return Served(body=document.body, headers=headers, content_type=document.content_type,
                  last_modified=last_modified, until=time.monotonic() + FRESH_FOR)


# No request bodies here, so no body limit to check on every GET.
app = create_app(title="Burg feeds",
                 description="RSS, Atom and JSON feeds of categories, the site and comments.",
                 max_body_bytes=None, runtime=runtime)
app.include_router(router)
