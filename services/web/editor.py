"""The editors' pages under `/editor`: sign in with the editor token, write and preview an
article, publish, edit, retract, close or reopen its comments, hide or restore comments, and
see the comments readers reported (the article's, or all on the desk) to dismiss or decide. The
token is kept in a cookie (editor_pages.py); every form carries the CSRF token."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.web.apis import Apis, Json, ServiceError
from services.web.desk_fields import closing_change
from services.web.editor_pages import EDITOR_COOKIE, Editor, EditorPages
from services.web.forms import Csrf
from services.web.sentences import article_refusal

ARTICLE_FIELDS = ("title", "category", "dateline", "dateline_place", "source_name",
                  "source_url", "source_note", "comments_close_at", "body")
# Retracting has a page of its own that asks first (desk.py).
ACTIONS = {"publish": "publish", "close": "close-comments", "reopen": "reopen-comments"}
MODERATION = ("hide", "restore", "approve", "dismiss-flags")


def editor_router(apis: Apis, page: Any, csrf: Csrf,
                  changed: Callable[[str], None]) -> APIRouter:
    """The routes, given the site's APIs, its page renderer, its CSRF tokens, and what to
    tell when an article (by its slug) or its thread changed, so that its page shows it."""
    router = APIRouter(prefix="/editor")

    pages = EditorPages(apis, page, csrf)
    signed_in, render = pages.signed_in, pages.render
    # Parameters resolve in order: a form is checked before the editor is looked up.
    CurrentEditor = Annotated[Editor, Depends(pages.current_editor)]
    CheckedForm = Annotated[dict[str, str], Depends(pages.checked_form)]

    @router.get("")
    async def desk(request: Request) -> Response:
        """Sign in, or the form for a new article."""
        editor = await signed_in(request)
        if editor is None:
            return render(request, "editor_sign_in.html")
        return render(request, "editor_article.html", me=editor.me, article=None, form={},
                      categories=await apis.categories(),
                      flagged=await flagged(apis, editor.token))

    @router.post("/sign-in")
    async def sign_in(request: Request, form: CheckedForm) -> Response:
        token = form.get("token", "").strip()
        if not token or await apis.editor(token) is None:
            return render(request, "editor_sign_in.html", status=401,
                          error="That token does not open the editors' desk.")
        response = RedirectResponse("/editor/desk", status_code=303)
        response.set_cookie(EDITOR_COOKIE, token, httponly=True, samesite="strict",
                            secure=csrf.secure, max_age=30 * 24 * 3600)
        return response

    @router.post("/sign-out", dependencies=[Depends(pages.checked_form)])
    async def sign_out() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(EDITOR_COOKIE)
        return response

    @router.get("/articles/{article_id}")
    async def edit(request: Request, article_id: int, editor: CurrentEditor) -> Response:
        article = await apis.draft(editor.token, article_id)
        return render(request, "editor_article.html", me=editor.me, article=article,
                      form=_as_form(article), categories=await apis.categories(),
                      flagged=await flagged(apis, editor.token, article_id))

    @router.post("")
    @router.post("/articles")
    @router.post("/articles/{article_id}")
    async def save(request: Request, form: CheckedForm, editor: CurrentEditor,
                   article_id: int | None = None) -> Response:
        """Save the form (a new draft, or changes), then do what the pressed button says:
        preview, publish, retract, close or reopen comments. A form is posted to its page's
        own address, so a refused one comes back there, saying what to change."""
        token, me = editor.token, editor.me
        action = form.get("action", "save")
        fields: Json = {k: form.get(k, "").strip() or None for k in ARTICLE_FIELDS}
        fields["body"] = form.get("body", "")
        fields["comments_close_at"] = closing_change(form)
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
        changed(article["slug"])
        if article["status"] == "published":
            return RedirectResponse(f"/articles/{article['slug']}", status_code=303)
        return RedirectResponse(f"/editor/articles/{article['id']}", status_code=303)

    @router.post("/comments/{comment_id}/{action}")
    async def moderate(comment_id: int, action: str, form: CheckedForm,
                       editor: CurrentEditor) -> Response:
        """Hide, restore or approve a comment, or dismiss its reports, then back to its
        thread (or to the editor's page the button was on)."""
        if action not in MODERATION:
            return RedirectResponse("/editor", status_code=303)
        await apis.moderate(editor.token, comment_id, action)
        back = form.get("back", "/")
        if back.startswith("/editor"):
            if slug := form.get("slug"):  # the article's page shows the change at once
                changed(slug)
            return RedirectResponse(back, status_code=303)
        if not back.startswith("/articles/"):
            return RedirectResponse("/", status_code=303)
        changed(back.removeprefix("/articles/").partition("?")[0].partition("#")[0])
        return RedirectResponse(back, status_code=303)

    return router


async def flagged(apis: Apis, token: str, article_id: int | None = None) -> list[Json]:
    """The reported comments (of one article, or all) an editor has to look at; none when
    the comments service cannot say: the editor's page is still worth showing."""
    params = {"article_id": int(article_id)} if article_id else {}
    try:
        found = await apis.send("GET", f"{apis.comments}/moderation/flagged", params=params,
                                 headers={"Authorization": f"Bearer {token}"})
    except ServiceError:
        return []
    return list(found["data"])


def _as_form(article: Json) -> dict[str, str]:
    form = {k: article.get(k) or "" for k in ARTICLE_FIELDS if k != "category"}
    form["category"] = article["category"]["slug"]
    return form
