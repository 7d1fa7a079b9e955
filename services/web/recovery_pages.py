"""A nic that survives a lost cookie, on the site. `/me/recovery`: the commenter this browser
is makes a recovery code, shown once. `/me/recover`: another browser (a new computer, a
cleared cookie) trades the code for the commenter: the cookie is set to their new token, the
old browser's stops working, and a new code is shown (a code works once). The comments API
does the work (`services/comments/recovery.py`) and counts tries per address.

Forms carry this browser's CSRF token and need no JavaScript; no page holding a code is kept
by any cache (`no-store`)."""

from typing import Any

from fastapi import APIRouter, Request, Response

from services.web.apis import ServiceError
from services.web.forms import Csrf, posted
from services.web.pages import COMMENTER_COOKIE, EXPIRED, YEARS_2
from services.web.site import Site

PRIVATE = {"Cache-Control": "private, no-store"}
NOT_A_COMMENTER = ("This browser has not commented yet (or no longer holds its commenter): "
                   "there is no recovery code to make. A code you kept opens your nics at "
                   "/me/recover.")
WRONG = ("That code opens nothing. Check it letter by letter: a code works once, and a newer "
         "one replaces it.")
MALFORMED = "A recovery code has 25 letters and digits, in five groups."
TRY_AGAIN = "Nothing could be done right now. Try again soon."
TOO_MANY = "Too many tries from your address: wait an hour, then try again."


def recovery_router(site: Site, page: Any, csrf: Csrf) -> APIRouter:
    """The routes, given the site (its APIs), its page renderer and its CSRF tokens."""
    router = APIRouter(prefix="/me")
    apis = site.apis

    def show(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        context = {"me": None, "code": None, "problem": None} | context
        response: Response = page(request, template, status=status, csrf=csrf.token(request),
                                  **context)
        response.headers.update(PRIVATE)
        return csrf.keep(request, response)

    def sorry(request: Request, status: int, message: str) -> Response:
        response: Response = page(request, "error.html", status=status, message=message)
        response.headers.update(PRIVATE)
        return response

    @router.get("/recovery")
    async def offer(request: Request) -> Response:
        """What a recovery code is for, and the button that makes one."""
        me = await apis.me(request.cookies.get(COMMENTER_COOKIE))
        return show(request, "recovery.html", me=me,
                    problem=None if me else NOT_A_COMMENTER)

    @router.post("/recovery")
    async def make(request: Request) -> Response:
        """Make this browser's commenter a new recovery code, and show it once."""
        form = await posted(request)
        if not csrf.form_ok(request, form):
            return sorry(request, 403, EXPIRED)
        token = request.cookies.get(COMMENTER_COOKIE)
        me = await apis.me(token)
        if token is None or me is None:
            return show(request, "recovery.html", status=403, problem=NOT_A_COMMENTER)
        try:
            code = await apis.recovery_code(token)
        except ServiceError as exc:
            return sorry(request, 502 if exc.status >= 500 else exc.status, TRY_AGAIN)
        return show(request, "recovery.html", me=me, code=code)

    @router.get("/recover")
    async def ask(request: Request) -> Response:
        """The form for a recovery code."""
        return show(request, "recover.html")

    @router.post("/recover")
    async def recover(request: Request) -> Response:
        """Trade the code typed for its commenter: this browser becomes them."""
        form = await posted(request)
        if not csrf.form_ok(request, form):
            return sorry(request, 403, EXPIRED)
        address = request.client.host if request.client else "unknown"
        try:
            got = await apis.recover(form.get("recovery_code", "").strip(), address)
        except ServiceError as exc:
            if exc.status in (401, 422):
                return show(request, "recover.html", status=exc.status if exc.status == 422
                            else 403, problem=WRONG if exc.status == 401 else MALFORMED)
            if exc.status == 429:
                response = sorry(request, 429, TOO_MANY)
                if exc.retry_after:
                    response.headers["Retry-After"] = str(exc.retry_after)
                return response
            return sorry(request, 502 if exc.status >= 500 else exc.status, TRY_AGAIN)
        response = show(request, "recover.html", me=got, code=got["recovery_code"])
        response.set_cookie(COMMENTER_COOKIE, got["commenter_token"], max_age=YEARS_2,
                            httponly=True, samesite="lax", secure=site.secure)
        return response

    return router
