"""The web frontend (`uvicorn services.web.app:app`): the front page, category pages and
article pages with their threads and a comment form that works without JavaScript. It owns
no data: every page is built from the posts, comments and feeds services' public APIs."""

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.web import forms
from services.web.apis import Apis, ServiceError
from services.web.editor import EDITOR_COOKIE, FormExpired, SignInFirst, editor_router
from services.web.feed_list import feed_list_router
from services.web.forms import HEADER, Csrf
from services.web.guards import BodyLimit, SecurityHeaders, read_at_most
from services.web.keys import secret_keys
from services.web.sentences import Refusal, comment_refusal, page_problem
from services.web.settings import WebSettings
from services.web.subscriptions import subscriptions_router
from shared.api import MAX_ID, SLUG, ObservedApp
from shared.errors import NotFound
from shared.observability import configure_logging

HERE = Path(__file__).parent
COMMENTER_COOKIE = "burg_commenter"  # the commenter token: HttpOnly, never seen by scripts
YEARS_2 = 2 * 365 * 24 * 3600
NO_COMMENT = "This comment is not on the site: it was removed, or there never was one."
EXPIRED = "This form has expired. Go back, reload the page and try again."
TOO_LARGE = ("This was too large to send, so nothing was sent. Go back, shorten the text and "
             "send it again.")
PREVIEW_MAX_BYTES = 100_000  # a comment's 10,000 characters as JSON, with room to spare

settings = WebSettings()
apis = Apis(settings)
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["feeds"] = f"{settings.feeds_url.rstrip('/')}/feeds"
app = ObservedApp(title="Burg", docs_url=None, redoc_url=None, openapi_url=None)
# Each request gets an id (the gateway's X-Request-ID, else a new one), in the web's log lines
# and passed on to every API call the page makes (apis.py): one id from gateway to worker.
app.observed = ("web", settings.access_log)
app.trusted_proxies = settings.trusted_proxies  # the gateway's X-Forwarded-For, nobody else's
configure_logging("web", settings.log_level, settings.log_format)
logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line for every API call
app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _page(request: Request, template: str, *, status: int = 200,
          headers: dict[str, str] | None = None, **context: Any) -> Response:
    return templates.TemplateResponse(request, template, context, status_code=status,
                                      headers=headers)


def _secure() -> bool:
    return settings.site_url.startswith("https://")


# Outermost last: every answer, the 413 page included, carries the security headers.
app.add_middleware(BodyLimit, limit=settings.max_body_bytes, too_large=lambda request: _page(
    request, "error.html", status=413, message=TOO_LARGE))
app.add_middleware(SecurityHeaders)
csrf = Csrf(secret_keys(settings), secure=_secure())
app.include_router(editor_router(apis, _page, csrf))
app.include_router(subscriptions_router(apis, _page, csrf))
app.include_router(feed_list_router(apis, _page))


@app.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/", response_class=HTMLResponse)
async def front(request: Request, cursor: str | None = None) -> Response:
    """The newest articles across categories, and the categories with their feeds."""
    articles, categories = await apis.front(cursor)
    return _page(request, "front.html", articles=articles, categories=categories)


# What a slug can be: any other is no page, and is not sent on to an API.
SLUG_FORM = re.compile(SLUG)


def _no_page(request: Request) -> Response:
    return _page(request, "error.html", status=404, message="There is no such page.")


@app.get("/categories/{slug}", response_class=HTMLResponse)
async def category(request: Request, slug: str, cursor: str | None = None) -> Response:
    """One category's articles, with its feeds named for readers and feed readers."""
    if not SLUG_FORM.fullmatch(slug):
        return _no_page(request)
    found, articles = await apis.category(slug, cursor)
    return _page(request, "category.html", category=found, articles=articles)


@app.get("/articles/{slug}", response_class=HTMLResponse)
async def article(request: Request, slug: str, cursor: str | None = None,
                  before: str | None = None, reply_to: int | None = None) -> Response:
    """The article, a page of its thread (after `cursor`, or before `before`) and the comment
    form (or the closed notice)."""
    if not SLUG_FORM.fullmatch(slug):
        return _no_page(request)
    return await _article_page(request, slug, cursor=cursor, before=before, reply_to=reply_to)


@app.get("/comments/{comment_id}", response_class=HTMLResponse)
async def permalink(request: Request, comment_id: str) -> Response:
    """A comment's permanent address (in feeds, e-mail and after posting): a redirect to the
    page of its thread that holds it, at its anchor. A comment the thread no longer shows
    (removed with no reply left, unknown, or on a retracted article) is a 404 page."""
    if not (comment_id.isascii() and comment_id.isdigit() and 1 <= int(comment_id) <= MAX_ID):
        return _page(request, "error.html", status=404, message=NO_COMMENT)
    try:
        where = await apis.place(int(comment_id), request.cookies.get(COMMENTER_COOKIE))
    except ServiceError as exc:
        if exc.status == 404:
            return _page(request, "error.html", status=404, message=NO_COMMENT)
        raise
    query = f"?{urlencode({'cursor': where['cursor']})}" if where["cursor"] else ""
    # 302: where a comment is shown moves as its thread grows; the permalink itself does not.
    return RedirectResponse(
        f"/articles/{quote(where['article_slug'])}{query}#comment-{int(comment_id)}",
        status_code=302)


@app.post("/articles/{slug}", response_class=HTMLResponse)
@app.post("/articles/{slug}/comments", response_class=HTMLResponse, include_in_schema=False)
async def post_comment(request: Request, slug: str) -> Response:
    """The comment form, posted without JavaScript to the article's own address (the old
    `/comments` one still takes forms of pages opened before): back to the new comment, or
    the article again at its form, which says what to change and keeps what was typed."""
    if not SLUG_FORM.fullmatch(slug):
        return _no_page(request)
    form = await forms.posted(request)
    if not csrf.form_ok(request, form):
        return _page(request, "error.html", status=403, message=EXPIRED)
    article, _ = await apis.article(slug, None, None)
    fields: dict[str, Any] = {
        "nic": form.get("nic", "").strip(), "body": form.get("body", ""),
        "email": form.get("email", "").strip() or None,
        "website": form.get("website", "").strip() or None,
        "notify_replies": form.get("notify_replies") == "on",
        "follow_thread": form.get("follow_thread") == "on",
        "homepage": form.get("homepage", "")}
    if form.get("parent_id", "").isdigit():
        fields["parent_id"] = int(form["parent_id"])
    token = request.cookies.get(COMMENTER_COOKIE)
    address = request.client.host if request.client else "unknown"
    try:
        posted = await apis.post_comment(article["id"], fields, token, address)
    except ServiceError as exc:
        forget = exc.status == 401  # a commenter token the service no longer knows
        # The form came from a page of the thread (its action keeps it): show that page again.
        response = await _article_page(
            request, slug, cursor=request.query_params.get("cursor"),
            before=request.query_params.get("before"), status=exc.status,
            refusal=comment_refusal(exc), form=form, reply_to=fields.get("parent_id"),
            forget_commenter=forget)
        if forget:
            response.delete_cookie(COMMENTER_COOKIE)
        return response
    # To the new comment's permalink, which opens the page of the thread holding it. A path,
    # not BURG_SITE_URL: the reader stays on the host (and with the cookies) they used.
    response = RedirectResponse(f"/comments/{int(posted['comment']['id'])}", status_code=303)
    if posted.get("commenter_token"):
        response.set_cookie(COMMENTER_COOKIE, posted["commenter_token"], max_age=YEARS_2,
                            httponly=True, samesite="lax", secure=_secure())
    return response


@app.post("/preview")
async def preview(request: Request) -> Response:
    """The form's live preview: the comments service renders, nothing is stored. The
    script sends the form's CSRF token in a header (which no other site's page can send
    here without our consent), so the preview serves this site's pages only."""
    if not csrf.ok(request, request.headers.get(HEADER, "")):
        return JSONResponse({"detail": "no valid CSRF token: reload the page"}, status_code=403)
    body = await read_at_most(request, PREVIEW_MAX_BYTES)
    if body is None:
        return JSONResponse({"detail": "too long to preview"}, status_code=413,
                            headers={"Connection": "close"})
    rendered = await apis.preview(body)
    return Response(rendered.content, status_code=rendered.status_code,
                    media_type="application/json")


@app.exception_handler(SignInFirst)
async def _sign_in_first(request: Request, exc: SignInFirst) -> Response:
    return RedirectResponse("/editor", status_code=303)


@app.exception_handler(FormExpired)
async def _form_expired(request: Request, exc: FormExpired) -> Response:
    return _page(request, "error.html", status=403, message=EXPIRED)


@app.exception_handler(NotFound)
async def _not_found(request: Request, exc: NotFound) -> Response:
    return _page(request, "error.html", status=404, message=exc.detail)


@app.exception_handler(RequestValidationError)
async def _bad_address(request: Request, exc: RequestValidationError) -> Response:
    # A hand-made query (`?reply_to=abc`) or path: a page that says so, not FastAPI's JSON.
    return await _service_error(request, ServiceError(400, str(exc)))


@app.exception_handler(StarletteHTTPException)
async def _no_route(request: Request, exc: StarletteHTTPException) -> Response:
    # No such route (404) or method (405), or a request the framework could not read: a
    # plain page like every other answer.
    nowhere = exc.status_code in (404, 405)
    return _page(request, "error.html", status=exc.status_code,
                 message="There is no such page." if nowhere else TOO_LARGE
                 if exc.status_code == 413 else
                 "This request could not be read. Go back and try again.",
                 headers=getattr(exc, "headers", None) or {})


@app.exception_handler(ServiceError)
async def _service_error(request: Request, exc: ServiceError) -> Response:
    status, message = page_problem(exc)
    # A damaged address (a cursor we never gave out): offer the page without its query.
    first = request.url.path if status == 400 and request.url.query else None
    return _page(request, "error.html", status=status, message=message, first_page=first)


async def _article_page(request: Request, slug: str, *, cursor: str | None = None,
                        before: str | None = None, reply_to: int | None = None,
                        status: int = 200, refusal: Refusal | None = None,
                        form: dict[str, str] | None = None,
                        forget_commenter: bool = False) -> Response:
    token = None if forget_commenter else request.cookies.get(COMMENTER_COOKIE)
    found, thread = await apis.article(slug, token, cursor, before)
    me = await apis.me(token)
    editor_token = request.cookies.get(EDITOR_COOKIE)
    editor = await apis.editor(editor_token) if editor_token else None
    held_back = (await apis.held_back(editor_token, found["id"])
                 if editor and editor_token and thread is not None else [])
    response = _page(request, "article.html", status=status, article=found, thread=thread,
                     me=me, editor=editor, held_back=held_back, csrf=csrf.token(request),
                     refusal=refusal, form=form or {}, reply_to=reply_to,
                     # This page of the thread, kept by its Reply links and moderation buttons.
                     at_page={"cursor": cursor} if cursor else {"before": before} if before
                     else {})
    return csrf.keep(request, response)

