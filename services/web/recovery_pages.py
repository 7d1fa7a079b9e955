"""A nic that survives a lost cookie, on the site. `/me/recovery`: the commenter this browser
is makes a recovery code, shown once. `/me/recover`: another browser (a new computer, a
cleared cookie) trades the code for the commenter: the cookie is set to their new token, the
old browser's stops working, and a new code is shown (a code works once). The comments API
does the work (`services/comments/recovery.py`) and counts tries per address.

Without the code, a commenter who gave an address with a comment, and confirmed it, asks on
`/me/recover` for a link by e-mail (`/me/recovery-link`; the same answer whatever the
address). The link opens `/me/recover?code=…`: the form with the code filled in, used only
when its button is pressed (mail scanners follow links: a GET changes nothing).

Forms carry this browser's CSRF token and need no JavaScript; no page holding a code is kept
by any cache (`no-store`)."""

from typing import Any

from fastapi import APIRouter, Request, Response

from services.web.apis import ServiceError
from services.web.forms import Csrf, PrivatePages, posted
from services.web.pages import COMMENTER_COOKIE, EXPIRED, YEARS_2
from services.web.site import Site

# The page a mailed link opens holds the code in its address: no Referer carries it on.
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
NOT_A_COMMENTER = ("This browser has not commented yet (or no longer holds its commenter): "
                   "there is no recovery code to make. A code you kept opens your nics at "
                   "/me/recover.")
WRONG = ("That code opens nothing. Check it letter by letter: a code works once, a newer one "
         "replaces it, and one from an e-mail works for an hour.")
MALFORMED = "A recovery code has 25 letters and digits, in five groups."
TRY_AGAIN = "Nothing could be done right now. Try again soon."
TOO_MANY = "Too many tries from your address: wait an hour, then try again."
NOT_AN_ADDRESS = "That is not an e-mail address we could send to."
LINK_ASKED = ("If that address was given with a comment here and confirmed, an e-mail with a "
              "link is on its way to it. The link works once, within an hour. Nothing "
              "came? Check the address, and the spam folder; you can ask again in a quarter "
              "of an hour.")
MAX_CODE = 64  # what the comments API takes; a longer ?code= is not filled in


def recovery_router(site: Site, page: Any, csrf: Csrf) -> APIRouter:
    """The routes, given the site (its APIs), its page renderer and its CSRF tokens."""
    router = APIRouter(prefix="/me")
    apis = site.apis

    pages = PrivatePages(page, csrf, "recovery.html", PRIVATE, me=None, code=None, problem=None,
                         typed="", mail_problem=None, asked=False, email="", link_asked="")
    sorry = pages.sorry

    def show(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        return pages.show(request, status, template, **context)

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

    def refused(request: Request, exc: ServiceError) -> Response:
        """A 429 (with its Retry-After) or a service that failed, as a page."""
        if exc.status == 429:
            response = sorry(request, 429, TOO_MANY)
            if exc.retry_after:
                response.headers["Retry-After"] = str(exc.retry_after)
            return response
        return sorry(request, 502 if exc.status >= 500 else exc.status, TRY_AGAIN)

    @router.get("/recover")
    async def ask(request: Request, code: str = "") -> Response:
        """The form for a recovery code; a mailed link's `code` filled in, not yet used."""
        return show(request, "recover.html", typed=code.strip() if len(code) <= MAX_CODE
                    else "")

    @router.post("/recovery-link")
    async def mail_link(request: Request) -> Response:
        """Ask for recovery links to the address typed; the same page whether or not it is
        a commenter's."""
        form = await posted(request)
        if not csrf.form_ok(request, form):
            return sorry(request, 403, EXPIRED)
        email = form.get("email", "").strip()
        address = request.client.host if request.client else "unknown"
        try:
            await apis.recovery_link(email, address)
        except ServiceError as exc:
            if exc.status == 422:
                return show(request, "recover.html", status=422, mail_problem=NOT_AN_ADDRESS,
                            email=email)
            return refused(request, exc)
        return show(request, "recover.html", asked=True, link_asked=LINK_ASKED)

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
            return refused(request, exc)
        response = show(request, "recover.html", me=got, code=got["recovery_code"])
        response.set_cookie(COMMENTER_COOKIE, got["commenter_token"], max_age=YEARS_2,
                            httponly=True, samesite="lax", secure=site.secure)
        return response

    return router
