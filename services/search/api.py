"""The search API, `/api/search/?q=…`: articles and comments found by their words.

`uvicorn --factory services.search.api:main` serves it; `create_app(service)` builds it for a
service wired by whoever calls it."""

from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, Query

from services.search.bootstrap import Service, bootstrap
from services.search.deps import SettingsDep
from services.search.models import SearchResults
from services.search.searching import search
from shared.api import SessionDep, service_app

router = APIRouter(prefix="/api/search")


@router.get("/", response_model=SearchResults)
@router.get("", response_model=SearchResults, include_in_schema=False)
def find(session: SessionDep, settings: SettingsDep,
         q: Annotated[str, Query(description="words, and \"phrases\" in quotes")] = "",
         order: Literal["newest", "relevant"] = "relevant",
         page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> SearchResults:
    """Articles and public comments holding every word (and phrase) of `q`, with the words
    marked in a snippet; newest or most relevant first, a page at a time."""
    return search(session=session, settings=settings, q=q, order=order, page=page)


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
