"""The editors' pages under `/editor`: sign in with the editor token, write and preview an
article, publish, edit, retract, close or reopen its comments, hide or restore comments. The
token is kept in an HttpOnly, SameSite=Strict cookie and sent to the posts and comments APIs as
the editor's own `Authorization`; every form carries the CSRF token."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.web.apis import Apis, Json, ServiceError
from services.web.forms import Csrf, posted
from services.web.sentences import article_refusal

EDITOR_COOKIE = "burg_editor"
ARTICLE_FIELDS = ("title", "category", "source_name", "source_url", "source_note", "body")
ACTIONS = {"publish": "publish", "retract": "retract", "close": "close-comments",
           "reopen": "reopen-comments"}


def editor_router(apis: Apis, page: Any, csrf: Csrf) -> APIRouter:
    """The routes, given the site's APIs, its page renderer and its CSRF tokens."""
    router = APIRouter(prefix="/editor")

    async def form_of(request: Request) -> dict[str, str] | None:
        """The posted form, or None if it carries no good CSRF token for this browser."""
        form = await posted(request)
        return form if csrf.form_ok(request, form) else None

    def expired(request: Request) -> Response:
        return page(request, "error.html", status=403,
                    message="This form has expired. Go back, reload the page and try again.")

    def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
        return csrf.keep(request, page(request, template, status=status,
                                       csrf=csrf.token(request), **context))

    @router.get("")
    async def desk(request: Request) -> Response:
        """Sign in, or the form for a new article."""
        token = request.cookies.get(EDITOR_COOKIE)
        me = await apis.editor(token) if token else None
        if me is None:
            return render(request, "editor_sign_in.html")
        return render(request, "editor_article.html", me=me, article=None, form={},
                      categories=await apis.categories())

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        form = await form_of(request)
        if form is None:
            return expired(request)
        token = form.get("token", "").strip()
        if not token or await apis.editor(token) is None:
            return render(request, "editor_sign_in.html", status=401,
                          error="That token does not open the editors' desk.")
        response = RedirectResponse("/editor", status_code=303)
        response.set_cookie(EDITOR_COOKIE, token, httponly=True, samesite="strict",
                            secure=csrf.secure, max_age=30 * 24 * 3600)
        return response

    @router.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        if await form_of(request) is None:
            return expired(request)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(EDITOR_COOKIE)
        return response

    @router.get("/articles/{article_id}")
    async def edit(request: Request, article_id: int) -> Response:
        token = request.cookies.get(EDITOR_COOKIE)
        me = await apis.editor(token) if token else None
        if me is None or token is None:
            return RedirectResponse("/editor", status_code=303)
        article = await apis.draft(token, article_id)
        return render(request, "editor_article.html", me=me, article=article,
                      form=_as_form(article), categories=await apis.categories())

    @router.post("")
    @router.post("/articles")
    @router.post("/articles/{article_id}")
    async def save(request: Request, article_id: int | None = None) -> Response:
        """Save the form (a new draft, or changes), then do what the pressed button says:
        preview, publish, retract, close or reopen comments. A form is posted to its page's
        own address, so a refused one comes back there, saying what to change."""
        form = await form_of(request)
        if form is None:
            return expired(request)
        token = request.cookies.get(EDITOR_COOKIE)
        me = await apis.editor(token) if token else None
        if me is None or token is None:
            return RedirectResponse("/editor", status_code=303)
        action = form.get("action", "save")
        fields: Json = {k: form.get(k, "").strip() or None for k in ARTICLE_FIELDS}
        fields["body"] = form.get("body", "")
        article: Json | None = None
        try:
            if action == "preview":
                preview = await apis.preview_article(token, fields["body"] or "")
                return render(request, "editor_article.html", me=me, form=form,
                              article=await apis.draft(token, article_id) if article_id else None,
                              preview=preview, categories=await apis.categories())
            article = await (apis.update_article(token, article_id, fields) if article_id
                             else apis.create_article(token, fields))
            if action in ACTIONS:
                article = await apis.article_action(token, article["id"], ACTIONS[action])
        except ServiceError as exc:
            if article is None and article_id is not None:  # an edit refused: still this one
                article = await apis.draft(token, article_id)
            return render(request, "editor_article.html", status=exc.status, me=me, form=form,
                          article=article, refusal=article_refusal(exc),
                          categories=await apis.categories())
        if article["status"] == "published":
            return RedirectResponse(f"/articles/{article['slug']}", status_code=303)
        return RedirectResponse(f"/editor/articles/{article['id']}", status_code=303)

    @router.post("/comments/{comment_id}/{action}")
    async def moderate(request: Request, comment_id: int, action: str) -> Response:
        """Hide, restore or approve a comment, then back to its thread."""
        form = await form_of(request)
        if form is None:
            return expired(request)
        token = request.cookies.get(EDITOR_COOKIE)
        if token is None or action not in ("hide", "restore", "approve"):
            return RedirectResponse("/editor", status_code=303)
        await apis.moderate(token, comment_id, action)
        back = form.get("back", "/")
        return RedirectResponse(back if back.startswith("/articles/") else "/", status_code=303)

    return router


def _as_form(article: Json) -> dict[str, str]:
    form = {k: article.get(k) or "" for k in ARTICLE_FIELDS if k != "category"}
    form["category"] = article["category"]["slug"]
    return form
