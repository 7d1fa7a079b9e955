"""The web frontend (`uvicorn --factory services.web.app:create_app`): the site's pages
(`pages.py`), its editor's desk, its subscription pages and its feed list. It owns no data:
every page is built from the posts, comments and feeds services' public APIs.

`create_app(settings)` makes the app and everything it uses, once per app (`site.py`), so a
test can have a site of its own, calling APIs of its choosing."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.web import comment_lists, listings, own_comments, pages
from services.web.apis import ServiceError
from services.web.desk import desk_router
from services.web.editor import editor_router
from services.web.editor_pages import FormExpired, SignInFirst
from services.web.editors_desk import editors_router
from services.web.export_pages import export_router
from services.web.feed_list import feed_list_router
from services.web.forget_pages import forget_router
from services.web.guards import BodyLimit, SecurityHeaders
from services.web.moderation_desk import moderation_router
from services.web.page_bytes import PageReads
from services.web.pages import EXPIRED
from services.web.recovery_pages import recovery_router
from services.web.reports import reports_router
from services.web.search_page import marked, search_router
from services.web.search_pages import SearchPages
from services.web.sentences import page_problem
from services.web.settings import WebSettings
from services.web.site import HERE, make_site, page
from services.web.subscriptions import subscriptions_router
from shared.api import ObservedApp
from shared.errors import NotFound
from shared.observability import configure_logging

TOO_LARGE = ("This was too large to send, so nothing was sent. Go back, shorten the text and "
             "send it again.")


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The site on `settings` (else the environment's): uvicorn's `--factory` calls it bare."""
    settings = settings or WebSettings()
    site = make_site(settings)
    app = ObservedApp(title="Burg", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.site = site
    # Each request gets an id (the gateway's X-Request-ID, else a new one), in the web's log
    # lines and passed on to every API call the page makes (apis.py): one id from gateway to
    # worker.
    app.observed = ("web", settings.access_log)
    app.trusted_proxies = settings.trusted_proxies  # the gateway's X-Forwarded-For only
    configure_logging("web", settings.log_level, settings.log_format)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line for every API call
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # Before everything: an article page's or a list's GET is answered from its bytes
    # (page_bytes.py).
    app.reads = PageReads(site.article_pages, site.listing_pages, pages.SLUG_FORM)
    # Outermost last: every answer, the 413 page included, carries the security headers.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, too_large=lambda request: page(
        request, "error.html", status=413, message=TOO_LARGE))
    app.add_middleware(SecurityHeaders)
    app.include_router(editor_router(site.apis, page, site.csrf, site.changed))
    app.include_router(moderation_router(site.apis, page, site.csrf, site.changed))
    app.include_router(desk_router(site.apis, page, site.csrf, site.changed))
    app.include_router(editors_router(site.apis, page, site.csrf))
    app.include_router(export_router(site.apis, page, site.csrf, settings.site_url))
    app.include_router(subscriptions_router(site.apis, page, site.csrf))
    app.include_router(feed_list_router(site.apis, page))
    app.include_router(reports_router(site.apis, page, site.csrf))
    app.include_router(forget_router(site, page, site.csrf))
    app.include_router(recovery_router(site, page, site.csrf))
    app.state.search_pages = SearchPages(fresh_for=settings.page_fresh_seconds)
    app.include_router(search_router(site.apis, page, app.state.search_pages))
    site.templates.env.filters["marked"] = marked
    app.add_api_route("/healthz", healthz, include_in_schema=False)
    app.include_router(listings.router)
    app.include_router(pages.router)
    app.include_router(comment_lists.router)
    app.include_router(own_comments.router)
    for error, handler in _ERROR_PAGES.items():
        app.add_exception_handler(error, handler)
    return app


def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _sign_in_first(request: Request, exc: SignInFirst) -> Response:
    return RedirectResponse("/editor", status_code=303)


async def _form_expired(request: Request, exc: FormExpired) -> Response:
    return page(request, "error.html", status=403, message=EXPIRED)


async def _not_found(request: Request, exc: NotFound) -> Response:
    return page(request, "error.html", status=404, message=exc.detail)


async def _bad_address(request: Request, exc: RequestValidationError) -> Response:
    # A hand-made query (`?reply_to=abc`) or path: a page that says so, not FastAPI's JSON.
    return await _service_error(request, ServiceError(400, str(exc)))


async def _no_route(request: Request, exc: StarletteHTTPException) -> Response:
    # No such route (404) or method (405), or a request the framework could not read: a
    # plain page like every other answer.
    nowhere = exc.status_code in (404, 405)
    return page(request, "error.html", status=exc.status_code,
                message="There is no such page." if nowhere else TOO_LARGE
                if exc.status_code == 413 else
                "This request could not be read. Go back and try again.",
                headers=getattr(exc, "headers", None) or {})


async def _service_error(request: Request, exc: ServiceError) -> Response:
    if exc.status == 410 and isinstance(exc.answer.get("retracted_at"), str):
        # An article the editors withdrew: gone for good, so a cache may keep the answer.
        return page(request, "retracted.html", status=410,
                    retracted_at=exc.answer["retracted_at"],
                    headers={"Cache-Control": "public, max-age=300"})
    status, message = page_problem(exc)
    # A damaged address (a cursor we never gave out): offer the page without its query.
    first = request.url.path if status == 400 and request.url.query else None
    return page(request, "error.html", status=status, message=message, first_page=first)


# What each error a route lets through shows the reader.
_ERROR_PAGES: dict[type[Exception], Any] = {
    SignInFirst: _sign_in_first, FormExpired: _form_expired, NotFound: _not_found,
    RequestValidationError: _bad_address, StarletteHTTPException: _no_route,
    ServiceError: _service_error}
