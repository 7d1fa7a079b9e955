"""The feeds API, under `/feeds`: stored documents served as a lookup (gzipped when the client
accepts it), with ETag and 304, and an index of every feed.

`uvicorn --factory services.feeds.api:main` serves it; `create_app(service)` builds it for a
service wired by whoever calls it."""

import gzip
import json
import re

from fastapi import APIRouter, FastAPI, Request, Response

from services.feeds import documents, serving
from services.feeds.bootstrap import Service, bootstrap
from services.feeds.deps import ServiceDep, SettingsDep
from services.feeds.feed_bytes import FeedReads
from services.feeds.models import FeedIndex
from services.feeds.render import feed_url
from shared.api import SessionDep, service_app
from shared.http import not_modified, strong_etag

router = APIRouter(prefix="/feeds")
INDEX_CACHE_CONTROL = "public, no-cache"  # built per request: revalidate (304) every time


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
@router.api_route("/index.json", methods=["GET", "HEAD"],
                  responses={200: {"model": FeedIndex}, 304: {"description": "not modified"}})
def index(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Every feed: its title and the URL of each of its formats (RSS, Atom, JSON Feed)."""
    paths = documents.list_documents(session=session)
    feeds: dict[str, dict[str, str]] = {}
    for path, title in paths:
        stem, _, fmt = path.rpartition(".")
        url = feed_url(settings, path)
        feeds.setdefault(stem, {"title": title, "path": stem})[fmt] = url
    listing = {"feeds": [feeds[stem] for stem in sorted(feeds, key=_natural)]}
    body = json.dumps(listing, ensure_ascii=False, separators=(",", ":")).encode()
    etag, headers = strong_etag(body), {"Cache-Control": INDEX_CACHE_CONTROL, "Vary": serving.VARY}
    packed = serving.accepts_gzip(request.headers.get("accept-encoding", ""))
    headers["ETag"] = etag = documents.gzip_etag(etag) if packed else etag
    if not_modified(request, etag):  # before compressing: a 304 sends no body
        return Response(status_code=304, headers=headers)
    if packed:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/json", headers=headers)


def _natural(stem: str) -> list[tuple[int, int | str]]:
    """Sort key putting `articles/2` before `articles/10`: numbers by value, text as text."""
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.split(r"(\d+)", stem) if part]


@router.api_route("/{path:path}", methods=["GET", "HEAD"])
async def get_feed(path: str, request: Request, service: ServiceDep) -> Response:
    """A feed document (e.g. `categories/<slug>.rss`, `site.atom`, `comments.json`), gzipped
    if the client accepts it, or 304 if the client's copy is current. No `SessionDep`: a
    session is opened only when the copy in hand is too old (see `serving.py`)."""

    copy = await service.copies.current(path, _loader(service))
    variant = (copy.gzipped if serving.accepts_gzip(request.headers.get("accept-encoding", ""))
               else copy.plain)
    if not_modified(request, variant.etag, copy.last_modified):
        return Response(status_code=304, headers=variant.not_modified_headers)
    return Response(variant.body, headers=variant.headers)


def _loader(service: Service) -> serving.Load:
    def load(path: str, copy: serving.Copy | None, started: float) -> serving.Copy:
        with service.runtime.sessions() as session:
            return serving.read(session=session, settings=service.settings, path=path,
                                copy=copy, started=started)

    return load


def create_app(service: Service) -> FastAPI:
    """The feeds API of `service` (its routes find it through their dependencies)."""
    # No request bodies here, so no body limit to check on every GET.
    app = service_app(service, title="Burg feeds",
                      description="RSS, Atom and JSON feeds of categories, the site and "
                                  "comments.",
                      max_body_bytes=None)
    app.include_router(router)
    # A feed document goes out as bytes, before everything (feed_bytes.py).
    [feed_route] = [str(getattr(route, "path", "")) for route in router.routes
                    if getattr(route, "endpoint", None) is get_feed]
    app.reads = FeedReads(service.copies, _loader(service), feed_route)
    return app


def main() -> FastAPI:
    """The app as uvicorn's `--factory` makes it: the service on the environment's settings."""
    return create_app(bootstrap())
