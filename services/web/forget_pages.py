""""Forget me": `/me/forget`, where a commenter has all their comments deleted and all e-mail
to them stopped, and `/editor/forget?nic=…`, where an editor does it for the commenter who
holds a nic (the comments API's `…/forget` routes; notify stops the e-mail on its event).

Each is a page that says what will happen, and a form (this browser's CSRF token, a box to
tick: works without JavaScript) whose POST does it and shows how many comments went. The
commenter cookie stays: the token and its nics remain the commenter's, so they may comment
again under the same nics (from a count of zero)."""

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from services.web.apis import ServiceError
from services.web.editor_pages import EditorPages
from services.web.forms import Csrf, PrivatePages, posted
from services.web.pages import COMMENTER_COOKIE, EXPIRED
from services.web.site import Site

PRIVATE = {"Cache-Control": "private, no-store"}
NOT_A_COMMENTER = ("This browser has no comments of yours to forget: comments are known by "
                   "the browser they were posted from.")
TRY_AGAIN = "Nothing could be deleted right now. Try again soon."
NO_NIC = "No one comments under this nic."
MAX_NIC = 40


def forget_router(site: Site, page: Any, csrf: Csrf) -> APIRouter:
    """The routes, given the site (its APIs, and its kept pages to refresh), its page renderer
    and its CSRF tokens."""
    router = APIRouter()
    apis = site.apis

    pages = PrivatePages(page, csrf, "forget.html", PRIVATE, me=None, nic=None, done=None,
                         problem=None)
    show, sorry = pages.show, pages.sorry

    def forgotten(request: Request, deleted: int, **context: Any) -> Response:
        # The thread, list and sidebar pages of this process show it at once (others within
        # their freshness window).
        site.article_pages.changed()
        site.listing_pages.changed()
        site.sidebar.changed()
        return show(request, done={"deleted": deleted}, **context)

    @router.get("/me/forget")
    async def ask_me(request: Request) -> Response:
        """What forgetting does, and the form, for the commenter this browser is."""
        me = await apis.me(request.cookies.get(COMMENTER_COOKIE))
        if me is None:
            return show(request, problem=NOT_A_COMMENTER)
        return show(request, me=me)

    @router.post("/me/forget")
    async def forget_me(request: Request) -> Response:
        """The form: with its CSRF token and the box ticked, forget this browser's commenter."""
        form = await posted(request)
        if not csrf.form_ok(request, form):
            return sorry(request, 403, EXPIRED)
        token = request.cookies.get(COMMENTER_COOKIE)
        me = await apis.me(token)
        if me is None:
            return show(request, status=403, problem=NOT_A_COMMENTER)
        if form.get("confirm") != "yes":
            return show(request, status=422, me=me, problem=(
                "Tick the box to say you mean it: this cannot be undone."))
        try:
            done = await apis.send("POST", f"{apis.comments}/commenters/me/forget",
                                    json={"confirm": True},
                                    headers={"X-Commenter-Token": token or ""})
        except ServiceError as exc:
            if exc.status == 401:
                return show(request, status=403, problem=NOT_A_COMMENTER)
            return sorry(request, 502 if exc.status >= 500 else exc.status, TRY_AGAIN)
        return forgotten(request, int(done["deleted"]), me=me)

    editors = EditorPages(apis, page, csrf)

    async def editor_token(request: Request) -> str | None:
        editor = await editors.signed_in(request)
        return editor.token if editor else None

    @router.get("/editor/forget")
    async def ask_editor(request: Request, nic: str = "") -> Response:
        """For an editor: what forgetting the commenter who holds `nic` does, and the form."""
        if await editor_token(request) is None:
            return Response(status_code=303, headers={"Location": "/editor"})
        if not _nic_ok(nic):
            return sorry(request, 404, NO_NIC)
        try:
            found = await apis.send("GET", f"{apis.comments}/nics/{quote(nic, safe='')}"
                                     "/comments", params={"limit": 1})
        except ServiceError as exc:
            if exc.status in (404, 422):
                return sorry(request, 404, NO_NIC)
            raise
        return show(request, nic=found["nic"], count=found["count"])

    @router.post("/editor/forget")
    async def forget_nic(request: Request) -> Response:
        """The editor's form: forget the commenter who holds the nic posted."""
        form = await posted(request)
        if not csrf.form_ok(request, form):
            return sorry(request, 403, EXPIRED)
        token = await editor_token(request)
        if token is None:
            return Response(status_code=303, headers={"Location": "/editor"})
        nic = form.get("nic", "")
        if not _nic_ok(nic):
            return sorry(request, 404, NO_NIC)
        if form.get("confirm") != "yes":
            return show(request, status=422, nic=nic, problem=(
                "Tick the box to say you mean it: this cannot be undone."))
        try:
            done = await apis.send("POST", f"{apis.comments}/nics/{quote(nic, safe='')}/forget",
                                    json={"confirm": True},
                                    headers={"Authorization": f"Bearer {token}"})
        except ServiceError as exc:
            if exc.status in (404, 422):
                return sorry(request, 404, NO_NIC)
            return sorry(request, 502 if exc.status >= 500 else exc.status, TRY_AGAIN)
        return forgotten(request, int(done["deleted"]), nic=nic)

    return router


def _nic_ok(nic: str) -> bool:
    return bool(nic) and len(nic) <= MAX_NIC and nic.isprintable()
