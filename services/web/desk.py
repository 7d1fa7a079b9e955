"""The editors' desk, beside the article form of `editor.py`: the list of every article
(drafts, published, retracted; by status, category and title words, in pages), the
categories page (create, rename, describe), and retracting, which asks first: a retracted
article leaves the site and the feeds for good. Same sign-in cookie, same CSRF tokens."""

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.web.apis import Apis, Json, ServiceError, bearer, segment
from services.web.editor_pages import Editor, EditorPages
from services.web.forms import Csrf
from services.web.sentences import category_refusal

STATUSES = ("draft", "published", "retracted")
FILTERS = ("status", "category", "q")


def desk_router(apis: Apis, page: Any, csrf: Csrf,
                changed: Callable[[str], None]) -> APIRouter:
    """The routes, given the site's APIs, its page renderer, its CSRF tokens, and what to
    tell when an article (by its slug) changed, so that its page shows it."""
    router = APIRouter(prefix="/editor")

    pages = EditorPages(apis, page, csrf)
    render = pages.render
    # Parameters resolve in order: a form is checked before the editor is looked up.
    CurrentEditor = Annotated[Editor, Depends(pages.current_editor)]
    CheckedForm = Annotated[dict[str, str], Depends(pages.checked_form)]

    @router.get("/desk")
    async def desk(request: Request, editor: CurrentEditor, status: str = "",
                   category: str = "", q: str = "", page: int = 1) -> Response:
        """The articles that match the filters, most recently changed first."""
        chosen = {"status": status, "category": category, "q": q.strip()}
        params = {k: v for k, v in chosen.items() if v} | {"page": page}
        listed = await _as_editor(apis, editor.token, "GET", f"{apis.posts}/desk/articles",
                                  params=params)
        return render(request, "desk_list.html", me=editor.me, listed=listed, chosen=chosen,
                      statuses=STATUSES, categories=await apis.categories(),
                      pages=_page_links(chosen, listed["page"], listed["pages"]))

    @router.get("/categories")
    async def categories(request: Request, editor: CurrentEditor) -> Response:
        return render(request, "desk_categories.html", me=editor.me,
                      categories=await apis.categories(), saved=request.query_params.get("saved"))

    @router.post("/categories")
    @router.post("/categories/{slug}")
    async def save_category(request: Request, form: CheckedForm, editor: CurrentEditor,
                            slug: str | None = None) -> Response:
        """Create a category (no slug) or rename and describe one; a refused form comes
        back with its sentences, under the status the API gave (409: the name is taken)."""
        fields = {"name": form.get("name", "").strip(),
                  "description": form.get("description", "").strip()}
        try:
            if slug is None:
                saved = await _as_editor(apis, editor.token, "POST",
                                         f"{apis.posts}/categories", json=fields)
            else:
                saved = await _as_editor(apis, editor.token, "PATCH",
                                         f"{apis.posts}/categories/{segment(slug)}",
                                         json=fields)
        except ServiceError as exc:
            return render(request, "desk_categories.html", status=exc.status, me=editor.me,
                          categories=await apis.categories(), refusal=category_refusal(exc),
                          refused=slug or "", form=fields)
        return RedirectResponse(f"/editor/categories?saved={saved['slug']}#category-"
                                f"{saved['slug']}", status_code=303)

    @router.get("/articles/{article_id}/retract")
    async def confirm_retract(request: Request, article_id: int,
                              editor: CurrentEditor) -> Response:
        """What retracting does, and a button to do it (or a way back)."""
        article = await apis.draft(editor.token, article_id)
        return render(request, "desk_retract.html", me=editor.me, article=article)

    @router.post("/articles/{article_id}/retract")
    async def retract(article_id: int, form: CheckedForm, editor: CurrentEditor) -> Response:
        article = await apis.article_action(editor.token, article_id, "retract")
        changed(article["slug"])
        return RedirectResponse("/editor/desk?status=retracted", status_code=303)

    return router


def _page_links(chosen: dict[str, str], here: int, pages: int) -> list[tuple[int, str]]:
    """(number, address) of the pages near this one, the first and the last, keeping the
    filters."""
    shown = [n for n in range(1, pages + 1) if n in (1, pages) or abs(n - here) <= 2]
    kept = {k: v for k, v in chosen.items() if v}
    return [(n, "/editor/desk?" + urlencode(kept | ({"page": n} if n > 1 else {})))
            for n in shown]


async def _as_editor(apis: Apis, token: str, method: str, url: str, *,
                     json: Json | None = None, params: Json | None = None) -> Json:
    """The posts API's answer to a call made with the editor's token."""
    return await apis.send(method, url, json=json, params=params, headers=bearer(token))
