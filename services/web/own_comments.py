"""A commenter edits or deletes their own comment, within the edit window, without
JavaScript: `/comments/<id>/edit` (a form holding the text as typed) and `/comments/<id>/delete`
(a page that asks to confirm). The commenter's token is in an HttpOnly cookie no script can
read, so these routes call the comments API with it on the commenter's behalf.

The article page is every reader's (article_pages.py): which comments are this reader's,
with their time left, comes from `/articles/<slug>/reader` (own_times.py), and
`static/reader.js` puts the Edit and Delete links beside them (without scripts, the page
links to `/my-comments`, which lists them). The pages here are the commenter's own (never
kept, never cached); each form carries their CSRF token, and a POST without a good one is
refused."""

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from services.web.apis import Json, ServiceError
from services.web.forms import posted
from services.web.own_times import as_commenter as _as
from services.web.own_times import minutes_left
from services.web.pages import COMMENTER_COOKIE, EXPIRED, NO_COMMENT
from services.web.sentences import comment_refusal
from services.web.site import Site, SiteDep, page
from shared.api import MAX_ID

PRIVATE = {"Cache-Control": "private, no-store"}
NOT_YOURS = ("Only its author can change a comment, in the browser they posted it from. "
             "This comment is not yours, or this browser is not the one you posted it from.")
UNSAVED = "Your change was not saved."

router = APIRouter()


@router.get("/my-comments", response_class=HTMLResponse)
async def my_comments(request: Request, site: SiteDep) -> Response:
    """The reader's comments they may still change, with Edit and Delete links: the way in
    without JavaScript (the article page links here inside <noscript>)."""
    token = _token(request)
    found: list[Json] = []
    if _as(token):
        try:
            found = (await site.apis.send("GET", f"{site.apis.comments}/commenters/me/comments",
                                           headers=_as(token)))["data"]
        except ServiceError as exc:
            if exc.status != 401:  # a reader the API does not know: none of theirs
                return _refused(request, exc)
    response = page(request, "my_comments.html", comments=[
        c | {"minutes": minutes_left(c)} for c in found if minutes_left(c) > 0])
    response.headers.update(PRIVATE)
    return response


@router.get("/comments/{comment_id}/edit", response_class=HTMLResponse)
async def edit_form(request: Request, site: SiteDep, comment_id: str) -> Response:
    """The form that changes one's own comment, holding its text as typed."""
    own = await _own(request, site, comment_id)
    if isinstance(own, Response):
        return own
    if not own["can_edit"]:  # a closed thread, or a banned author: deleting is still theirs
        return _sorry(request, 403, "This comment can no longer be edited: comments have been "
                      "closed on this article, or you can no longer comment here. You can "
                      f"still delete it for {minutes_left(own)} more minutes.")
    return _show(request, site, "edit", own, body=own["body"])


@router.post("/comments/{comment_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, site: SiteDep, comment_id: str) -> Response:
    """The edit form, posted: back to the comment, changed; or the form again, saying why."""
    form = await posted(request)
    own = await _own(request, site, comment_id, form)
    if isinstance(own, Response):
        return own
    body = form.get("body", "")
    try:
        await site.apis.send("PATCH", f"{site.apis.comments}/comments/{int(own['id'])}",
                              json={"body": body}, headers=_as(_token(request)))
    except ServiceError as exc:
        if exc.status in (413, 422):
            refusal = comment_refusal(exc)
            return _show(request, site, "edit", own, status=exc.status, body=body, problem=(
                f"{UNSAVED} {refusal.fields.get('body', 'Please check it and save it again.')}"))
        return _refused(request, exc)
    site.changed(own["article_slug"])  # the page every reader gets shows the new text
    return RedirectResponse(f"/comments/{int(own['id'])}", status_code=303)


@router.get("/comments/{comment_id}/delete", response_class=HTMLResponse)
async def delete_form(request: Request, site: SiteDep, comment_id: str) -> Response:
    """The page that asks the author to confirm deleting their comment."""
    own = await _own(request, site, comment_id)
    if isinstance(own, Response):
        return own
    return _show(request, site, "delete", own)


@router.post("/comments/{comment_id}/delete", response_class=HTMLResponse)
async def delete(request: Request, site: SiteDep, comment_id: str) -> Response:
    """The confirmation, posted: the comment deleted, and back to its article's thread."""
    form = await posted(request)
    own = await _own(request, site, comment_id, form)
    if isinstance(own, Response):
        return own
    try:
        await site.apis.send("DELETE", f"{site.apis.comments}/comments/{int(own['id'])}",
                              headers=_as(_token(request)), empty=True)
    except ServiceError as exc:
        return _refused(request, exc)
    site.changed(own["article_slug"])
    return RedirectResponse(f"/articles/{own['article_slug']}#comments", status_code=303)


async def _own(request: Request, site: Site, comment_id: str,
               form: dict[str, str] | None = None) -> Json | Response:
    """The reader's own comment, still in its window (as the comments API has it), or the
    page that says why it cannot be changed; a `form` posted about it must carry its CSRF
    token."""
    if form is not None and not site.csrf.form_ok(request, form):
        return _sorry(request, 403, EXPIRED)
    if not (comment_id.isascii() and comment_id.isdigit() and 1 <= int(comment_id) <= MAX_ID):
        return _sorry(request, 404, NO_COMMENT)
    token = _token(request)
    if not _as(token):
        return _sorry(request, 403, NOT_YOURS)
    try:
        found: Json = await site.apis.send(
            "GET", f"{site.apis.comments}/commenters/me/comments/{int(comment_id)}",
            headers=_as(token))
    except ServiceError as exc:
        return _refused(request, exc)
    return found


def _refused(request: Request, exc: ServiceError) -> Response:
    """The page for what the comments API refused, in the site's words."""
    detail = exc.detail.lower()
    if exc.status == 404:
        return _sorry(request, 404, NO_COMMENT)
    if exc.status == 401 or "only its author" in detail:
        return _sorry(request, 403, NOT_YOURS)
    if exc.status == 403 and "time is over" in detail:
        window = re.search(r"for (\d+) minutes", detail)
        return _sorry(request, 403, "This comment can no longer be changed: a comment can be "
                      "edited or deleted for " + (f"{window.group(1)} minutes" if window
                                                  else "a short while") +
                      " after it was posted, and that time is over.")
    if exc.status == 403 and "closed" in detail:
        return _sorry(request, 403, "Comments have been closed on this article, so yours can "
                      "no longer be edited. You can still delete it while its time lasts.")
    if exc.status == 403 and "banned" in detail:
        return _sorry(request, 403, "You can no longer comment here, nor edit your comments.")
    status = 502 if exc.status >= 500 else exc.status
    return _sorry(request, status, "Your comment cannot be changed right now. Try again soon.")


def _show(request: Request, site: Site, doing: str, own: Json, *, status: int = 200,
          **context: Any) -> Response:
    response = page(request, "own_comment.html", status=status, doing=doing, comment=own,
                    minutes=minutes_left(own), csrf=site.csrf.token(request),
                    **{"body": "", "problem": None} | context)
    response.headers.update(PRIVATE)
    return site.csrf.keep(request, response)


def _sorry(request: Request, status: int, message: str) -> Response:
    response = page(request, "error.html", status=status, message=message)
    response.headers.update(PRIVATE)
    return response


def _token(request: Request) -> str | None:
    return request.cookies.get(COMMENTER_COOKIE)


