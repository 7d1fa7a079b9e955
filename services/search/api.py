"""The search API, `/api/search/?q=…`: articles and comments found by their words.

A page of results is kept as bytes (pages.py) until the index changes (version.py): the same
search again is answered from them, with a strong ETag (304 to a client that has them).

`uvicorn --factory services.search.api:main` serves it; `create_app(service)` builds it for a
service wired by whoever calls it."""

import json
from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, Query, Request, Response

from services.search.bootstrap import Service, bootstrap
from services.search.deps import ServiceDep
from services.search.models import SearchResults
from services.search.query import parse
from services.search.searching import search
from shared.api import service_app
from shared.http import not_modified

router = APIRouter(prefix="/api/search")
CACHE_CONTROL = "public, no-cache"  # a copy may be kept, but asked about (ETag) each use


@router.get("/", response_model=SearchResults)
@router.get("", response_model=SearchResults, include_in_schema=False)
def find(request: Request, service: ServiceDep,
         q: Annotated[str, Query(description="words, and \"phrases\" in quotes")] = "",
         order: Literal["newest", "relevant"] = "relevant",
         page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """Articles and public comments holding every word (and phrase) of `q`, with the words
    marked in a snippet; newest or most relevant first, a page at a time."""
    settings = service.settings
    query = parse(q, max_chars=settings.max_query_chars, max_words=settings.max_query_words)
    key = (query.text, order, page)
    version = service.version.current()  # before the search: see version.py
    kept = service.pages.get(key, version)
    if kept is None:
        with service.runtime.sessions() as session:
            found = search(session=session, settings=settings, q=q, order=order, page=page)
        body = json.dumps(found.model_dump(mode="json"), separators=(",", ":")).encode()
        kept = service.pages.keep(key, version, body)
    headers = {"ETag": kept.etag, "Cache-Control": CACHE_CONTROL}
    if not_modified(request, kept.etag):
        return Response(status_code=304, headers=headers)
    return Response(kept.body, media_type="application/json", headers=headers)


def create_app(service: Service) -> FastAPI:
    """The search API of `service` (its routes find it through their dependencies)."""
    app = service_app(service, title="Burg search",
                      description="Articles and comments found by their words.",
                      max_body_bytes=None)  # no request bodies
    app.include_router(router)
    return app


def main() -> FastAPI:
    """The app as uvicorn's `--factory` makes it: the service on the environment's settings."""
    return create_app(bootstrap())
