"""Readers report a comment to the editors, without JavaScript: the Report button under each
comment posts to `/comments/<id>/report`, which asks to confirm (with an optional reason); the
confirmation's POST files the report with the comments API, as the reader (their commenter
cookie, if any, and their address, forwarded so that the API's rate limits count them).

The article page is every reader's, so its Report forms carry nothing personal: no token
(reader.js adds one where scripts run; without, the browser's word that our own page sent it
lets the first step through, as for the comment form). Only the confirmation page, which is
this reader's own, carries a CSRF token, and only a POST with that token files a report."""

from typing import Any

from fastapi import APIRouter, Request, Response

from services.web.apis import Apis, Json, ServiceError
from services.web.forms import Csrf, PrivatePages, posted
from services.web.pages import COMMENTER_COOKIE, EXPIRED, NO_COMMENT
from shared.api import MAX_ID

MAX_REASON = 500  # the comments API's limit, said in the form
PRIVATE = {"Cache-Control": "private, no-store"}
SAID = {
    409: "This is your own comment: you can edit or delete it instead of reporting it.",
    429: "You have sent many reports lately. Please wait a while before sending more.",
}


async def report(apis: Apis, comment_id: int, reason: str, token: str | None,
                 address: str) -> Json:
    """File the report with the comments API as the reader at `address` (and `token`'s
    commenter): its receipt, `counted` False for a repeat."""
    headers = {"X-Forwarded-For": address} | (
        {"X-Commenter-Token": token} if token else {})
    return await apis.send("POST", f"{apis.comments}/comments/{int(comment_id)}/flags",
                            json={"reason": reason}, headers=headers)


def reports_router(apis: Apis, page: Any, csrf: Csrf) -> APIRouter:
    """The routes, given the site's APIs, its page renderer and its CSRF tokens."""
    router = APIRouter()

    pages = PrivatePages(page, csrf, "report.html", PRIVATE, comment=None, done=None,
                         problem=None, reason="", max_reason=MAX_REASON)
    show, sorry = pages.show, pages.sorry

    @router.post("/comments/{comment_id}/report")
    async def report_comment(request: Request, comment_id: str) -> Response:
        """Without `confirm`: the page that asks to confirm (and for a reason); with it and
        the page's CSRF token: the report, filed."""
        if not (comment_id.isascii() and comment_id.isdigit()
                and 1 <= int(comment_id) <= MAX_ID):
            return sorry(request, 404, NO_COMMENT)
        form = await posted(request)
        confirmed = form.get("confirm") == "yes"
        if not (csrf.form_ok(request, form) or (
                not confirmed and csrf.tokenless_same_origin(request, form))):
            return sorry(request, 403, EXPIRED)
        try:
            comment = await apis.send("GET", f"{apis.comments}/comments/{int(comment_id)}")
        except ServiceError as exc:
            return sorry(request, 404, NO_COMMENT) if exc.status == 404 else sorry(
                request, 502 if exc.status >= 500 else exc.status,
                "The comment cannot be reported right now. Try again soon.")
        if not confirmed:
            return show(request, comment=comment)
        reason = form.get("reason", "")
        token = request.cookies.get(COMMENTER_COOKIE)
        address = request.client.host if request.client else "unknown"
        try:
            try:
                receipt = await report(apis, comment["id"], reason, token, address)
            except ServiceError as exc:
                if exc.status != 401 or not token:
                    raise
                # A commenter cookie the service no longer knows: report as any reader.
                receipt = await report(apis, comment["id"], reason, None, address)
        except ServiceError as exc:
            if exc.status == 422:
                return show(request, status=422, comment=comment, reason=reason, problem=(
                    f"The reason can be at most {MAX_REASON} characters, in plain text."))
            if exc.status == 404:
                return sorry(request, 404, NO_COMMENT)
            return sorry(request, exc.status if exc.status < 500 else 502, SAID.get(
                exc.status, "The comment cannot be reported right now. Try again soon."))
        return show(request, comment=comment, done="new" if receipt["counted"] else "again")

    return router
