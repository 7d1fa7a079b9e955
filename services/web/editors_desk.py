"""The desk's page of editors, `/editor/editors`: an editor with the right to manage editors
lists them, creates one, gives one a new token (rotate), revokes one, or gives or takes the
right to manage editors, through the posts API
(`/api/posts/editors`). A new token is shown once, on a page no cache keeps (`no-store`): only
its hash is stored. Others are answered 403; every form carries the CSRF token, and a revoke
asks to confirm first. No script is needed."""

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.web.apis import Apis, Json, ServiceError
from services.web.editor_pages import EDITOR_COOKIE, EditorPages, FormExpired
from services.web.forms import Csrf, posted

PRIVATE = {"Cache-Control": "no-store"}
NOT_YOURS = "Only an editor with the right to manage editors can open this page."
SAID = {
    409: "There is an editor with that nic already.",
    422: "A nic is one line of 1 to 40 characters.",
    404: "There is no such editor (any more).",
}


def editors_router(apis: Apis, page: Any, csrf: Csrf) -> APIRouter:
    """The routes, given the site's APIs, its page renderer and its CSRF tokens."""
    router = APIRouter(prefix="/editor/editors")
    pages = EditorPages(apis, page, csrf)

    async def manager(request: Request, form: dict[str, str] | None = None) -> str | None:
        """The signed-in editor's token, if they may manage editors; a posted `form` must
        carry its CSRF token. Else SignInFirst, FormExpired, or None (answered 403)."""
        if form is not None and not csrf.form_ok(request, form):
            raise FormExpired()
        editor = await pages.current_editor(request)
        return editor.token if editor.me.get("can_manage_editors") else None

    def refused(request: Request) -> Response:
        response: Response = page(request, "error.html", status=403, message=NOT_YOURS)
        response.headers.update(PRIVATE)
        return response

    def show(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        response: Response = page(request, template, status=status, csrf=csrf.token(request),
                                  **context)
        response.headers.update(PRIVATE)
        return csrf.keep(request, response)

    async def listing(request: Request, token: str, status: int = 200,
                      **context: Any) -> Response:
        editors = await call(apis, token, "GET", "")
        return show(request, "editors_desk.html", status=status, editors=editors,
                    me=await apis.editor(token), **context)

    @router.get("")
    async def editors(request: Request) -> Response:
        """Every editor, with the forms to create, rotate and revoke."""
        token = await manager(request)
        if token is None:
            return refused(request)
        return await listing(request, token, revoked=request.query_params.get("revoked"))

    @router.post("")
    async def create(request: Request) -> Response:
        """Create an editor: their token, shown once."""
        form = await posted(request)
        token = await manager(request, form)
        if token is None:
            return refused(request)
        fields = {"nic": form.get("nic", ""),
                  "can_manage_editors": form.get("can_manage_editors") == "yes"}
        try:
            made = await call(apis, token, "POST", "", json=fields)
        except ServiceError as exc:
            if exc.status not in (409, 422):
                raise
            return await listing(request, token, status=exc.status, problem=SAID[exc.status],
                                 nic=fields["nic"])
        return show(request, "editors_token.html", made=made, rotated=False)

    @router.post("/rotate")
    async def rotate(request: Request) -> Response:
        """A new token for an editor, shown once; the old one stops working. Your own: this
        browser stays signed in with the new one."""
        form = await posted(request)
        token = await manager(request, form)
        if token is None:
            return refused(request)
        try:
            made = await call(apis, token, "POST",
                              f"/{quote(form.get('nic', ''), safe='')}/rotate")
        except ServiceError as exc:
            if exc.status not in (404, 422):
                raise
            return await listing(request, token, status=404, problem=SAID[404])
        response = show(request, "editors_token.html", made=made, rotated=True)
        if (await apis.editor(token)) is None:  # it was this editor's own token
            response.set_cookie(EDITOR_COOKIE, made["token"], httponly=True, samesite="strict",
                                secure=csrf.secure, max_age=30 * 24 * 3600)
        return response

    @router.post("/revoke")
    async def revoke(request: Request) -> Response:
        """Without `confirm`: the page that asks to confirm; with it, the token revoked."""
        form = await posted(request)
        token = await manager(request, form)
        if token is None:
            return refused(request)
        nic = form.get("nic", "")
        if form.get("confirm") != "yes":
            return show(request, "editors_revoke.html", nic=nic)
        try:
            await call(apis, token, "POST", f"/{quote(nic, safe='')}/revoke")
        except ServiceError as exc:
            if exc.status not in (404, 409, 422):
                raise
            return await listing(request, token, status=exc.status, problem=SAID.get(
                exc.status) if exc.status != 409 else exc.detail)
        if (await apis.editor(token)) is None:  # this editor revoked themselves
            response = RedirectResponse("/editor", status_code=303)
            response.delete_cookie(EDITOR_COOKIE)
            return response
        return RedirectResponse("/editor/editors?revoked=" + quote(nic, safe=""),
                                status_code=303)

    @router.post("/right")
    async def right(request: Request) -> Response:
        """Give an editor the right to manage editors (`can_manage_editors=yes`), or take it.
        Taking your own: the page is no longer yours, so back to the desk."""
        form = await posted(request)
        token = await manager(request, form)
        if token is None:
            return refused(request)
        nic = form.get("nic", "")
        try:
            await call(apis, token, "POST", f"/{quote(nic, safe='')}/right",
                       json={"can_manage_editors": form.get("can_manage_editors") == "yes"})
        except ServiceError as exc:
            if exc.status not in (404, 409, 422):
                raise
            return await listing(request, token, status=exc.status, problem=SAID.get(
                exc.status) if exc.status != 409 else exc.detail)
        me = await apis.editor(token)
        if not (me or {}).get("can_manage_editors"):  # they took their own right
            return RedirectResponse("/editor", status_code=303)
        return RedirectResponse("/editor/editors", status_code=303)

    return router


async def call(apis: Apis, token: str, method: str, path: str, **kwargs: Any) -> Any:
    """The posts API's `/editors` + `path`, as the editor holding `token`."""
    answer: Json = await apis.send(method, f"{apis.posts}/editors{path}",
                                    headers={"Authorization": f"Bearer {token}"}, **kwargs)
    return answer
