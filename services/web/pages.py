"""The site's article pages with their threads (the lists of articles: listings.py), a
comment's permalink, and the comment form, which works without JavaScript (and its
preview). Every page is built from the posts, comments and feeds services' public APIs."""

import re
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from services.web import forms
from services.web.apis import ServiceError
from services.web.editor_pages import EDITOR_COOKIE
from services.web.forms import HEADER
from services.web.guards import read_at_most
from services.web.kept_pages import CACHE_CONTROL
from services.web.own_times import own_on_article
from services.web.sentences import Refusal, comment_refusal
from services.web.site import Site, SiteDep, article_context, page
from shared.api import MAX_ID, SLUG
from shared.http import not_modified

COMMENTER_COOKIE = "burg_commenter"  # the commenter token: HttpOnly, never seen by scripts
YEARS_2 = 2 * 365 * 24 * 3600
NO_COMMENT = "This comment is not on the site: it was removed, or there never was one."
EXPIRED = "This form has expired. Go back, reload the page and try again."
PREVIEW_MAX_BYTES = 100_000  # a comment's 10,000 characters as JSON, with room to spare

router = APIRouter()


# What a slug can be: any other is no page, and is not sent on to an API.
SLUG_FORM = re.compile(SLUG)


def _no_page(request: Request) -> Response:
    return page(request, "error.html", status=404, message="There is no such page.")


@router.get("/articles/{slug}", response_class=HTMLResponse)
async def article(request: Request, site: SiteDep, slug: str, cursor: str | None = None,
                  before: str | None = None, reply_to: int | None = None) -> Response:
    """The article, a page of its thread (after `cursor`, or before `before`) and the comment
    form (or the closed notice): the same bytes for every reader (article_pages.py; most GETs
    are answered before they get here, by page_bytes.py)."""
    if not SLUG_FORM.fullmatch(slug):
        return _no_page(request)
    try:
        key = (slug, cursor or None, before or None, reply_to)
        kept = await site.article_pages.page(key)
    except ServiceError:
        # No such article (the error's page), or no thread to show: the story without it.
        response = await _article_page(request, site, slug, cursor=cursor, before=before,
                                       reply_to=reply_to)
        response.headers["Cache-Control"] = "no-store"
        return response
    token = request.cookies.get(COMMENTER_COOKIE)
    if token and not await site.article_pages.same_for(key, kept, token):
        response = await _article_page(request, site, slug, cursor=cursor, before=before,
                                       reply_to=reply_to, token=token)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    headers = {"ETag": kept.etag, "Cache-Control": CACHE_CONTROL.decode()}
    if not_modified(request, kept.etag):
        return Response(status_code=304, headers=headers)
    return HTMLResponse(kept.body, headers=headers)


@router.get("/articles/{slug}/reader")
async def reader(request: Request, site: SiteDep, slug: str) -> Response:
    """What is the reader's own on the article's page, for `static/reader.js` to fill in: the
    forms' CSRF token (and its cookie), the commenter's nics and count and their comments
    they may still change (own_times.py), and for an editor the Edit link's address and the
    hidden and waiting comments with their buttons."""
    if not SLUG_FORM.fullmatch(slug):
        return _no_page(request)
    token, editor_token = (request.cookies.get(COMMENTER_COOKIE),
                           request.cookies.get(EDITOR_COOKIE))
    me = await site.apis.me(token)
    editor = await site.apis.editor(editor_token) if editor_token else None
    csrf = site.csrf.token(request)
    mine: dict[str, Any] = {"csrf": csrf, "me": me and {k: me.get(k) for k in (
        "original_nic", "nics", "comment_count", "has_recovery_code")}, "editor": None,
        "own": await own_on_article(site.apis, token, slug) if me else []}
    if editor and editor_token:
        _, found = await site.apis.if_changed(site.apis.article_url(slug), None)
        assert found is not None
        held_back = await site.apis.held_back(editor_token, found["id"])
        mine["editor"] = {"edit": f"/editor/articles/{int(found['id'])}", "held_back": (
            site.templates.get_template("_held_back.html").render(
                held_back=held_back, csrf=csrf, here=f"/articles/{slug}") if held_back else "")}
    response = JSONResponse(mine, headers={"Cache-Control": "private, no-store"})
    return site.csrf.keep(request, response)


@router.get("/comments/{comment_id}", response_class=HTMLResponse)
async def permalink(request: Request, site: SiteDep, comment_id: str) -> Response:
    """A comment's permanent address (in feeds, e-mail and after posting): a redirect to the
    page of its thread that holds it, at its anchor. A comment the thread no longer shows
    (removed with no reply left, unknown, or on a retracted article) is a 404 page."""
    if not (comment_id.isascii() and comment_id.isdigit() and 1 <= int(comment_id) <= MAX_ID):
        return page(request, "error.html", status=404, message=NO_COMMENT)
    try:
        where = await site.apis.place(int(comment_id), request.cookies.get(COMMENTER_COOKIE))
    except ServiceError as exc:
        if exc.status == 404:
            return page(request, "error.html", status=404, message=NO_COMMENT)
        raise
    query = f"?{urlencode({'cursor': where['cursor']})}" if where["cursor"] else ""
    # 302: where a comment is shown moves as its thread grows; the permalink itself does not.
    return RedirectResponse(
        f"/articles/{quote(where['article_slug'])}{query}#comment-{int(comment_id)}",
        status_code=302)


@router.post("/articles/{slug}", response_class=HTMLResponse)
@router.post("/articles/{slug}/comments", response_class=HTMLResponse, include_in_schema=False)
async def post_comment(request: Request, site: SiteDep, slug: str) -> Response:
    """The comment form, posted without JavaScript to the article's own address (the old
    `/comments` one still takes forms of pages opened before): back to the new comment, or
    the article again at its form, which says what to change and keeps what was typed."""
    if not SLUG_FORM.fullmatch(slug):
        return _no_page(request)
    form = await forms.posted(request)
    # The page every reader gets has no token in its form (reader.js puts one there): without
    # scripts, the browser's word that our own page sent it is what lets a form through.
    if not (site.csrf.form_ok(request, form) or site.csrf.tokenless_same_origin(request, form)):
        return page(request, "error.html", status=403, message=EXPIRED)
    article, _ = await site.apis.article(slug, None, None)
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
        posted = await site.apis.post_comment(article["id"], fields, token, address)
    except ServiceError as exc:
        forget = exc.status == 401  # a commenter token the service no longer knows
        # The form came from a page of the thread (its action keeps it): show that page again.
        response = await _article_page(
            request, site, slug, cursor=request.query_params.get("cursor"),
            before=request.query_params.get("before"), status=exc.status,
            refusal=comment_refusal(exc), form=form, reply_to=fields.get("parent_id"),
            forget_commenter=forget)
        if forget:
            response.delete_cookie(COMMENTER_COOKIE)
        return response
    site.changed(slug)  # the thread has the comment: on every page at once
    # To the new comment's permalink, which opens the page of the thread holding it. A path,
    # not BURG_SITE_URL: the reader stays on the host (and with the cookies) they used.
    response = RedirectResponse(f"/comments/{int(posted['comment']['id'])}", status_code=303)
    if posted.get("commenter_token"):
        response.set_cookie(COMMENTER_COOKIE, posted["commenter_token"], max_age=YEARS_2,
                            httponly=True, samesite="lax", secure=site.secure)
    return response


@router.post("/preview")
async def preview(request: Request, site: SiteDep) -> Response:
    """The form's live preview: the comments service renders, nothing is stored. The
    script sends the form's CSRF token in a header (which no other site's page can send
    here without our consent), so the preview serves this site's pages only."""
    if not site.csrf.ok(request, request.headers.get(HEADER, "")):
        return JSONResponse({"detail": "no valid CSRF token: reload the page"}, status_code=403)
    body = await read_at_most(request, PREVIEW_MAX_BYTES)
    if body is None:
        return JSONResponse({"detail": "too long to preview"}, status_code=413,
                            headers={"Connection": "close"})
    rendered = await site.apis.preview(body)
    return Response(rendered.content, status_code=rendered.status_code,
                    media_type="application/json")


async def _article_page(request: Request, site: Site, slug: str, *, cursor: str | None = None,
                        before: str | None = None, reply_to: int | None = None,
                        status: int = 200, refusal: Refusal | None = None,
                        form: dict[str, str] | None = None,
                        forget_commenter: bool = False, token: str | None = None) -> Response:
    """The page rendered for this request alone: a refused comment's page (`form` given),
    with the sender's own parts; else the page every reader gets when it cannot be kept, or
    the thread as the commenter `token` sees it (with their waiting comments)."""
    if form is not None and not forget_commenter:
        token = request.cookies.get(COMMENTER_COOKIE)
    found, thread = await site.apis.article(slug, token, cursor, before)
    if form is None:
        return page(request, "article.html", status=status,
                    **article_context(found, thread, cursor, before, reply_to))
    me = await site.apis.me(token)
    editor_token = request.cookies.get(EDITOR_COOKIE)
    editor = await site.apis.editor(editor_token) if editor_token else None
    held_back = (await site.apis.held_back(editor_token, found["id"])
                 if editor and editor_token and thread is not None else [])
    response = page(request, "article.html", status=status, **article_context(
        found, thread, cursor, before, reply_to, me=me, editor=editor, held_back=held_back,
        csrf=site.csrf.token(request), refusal=refusal, form=form))
    return site.csrf.keep(request, response)
