"""The editors' one moderation queue under `/editor/moderation`: the comments waiting for
approval, reported by readers and hidden, across all articles, newest first (or one kind of
them), with a button per action on each comment and its nic, and bulk actions on the ticked
ones; the banned commenters, to unban; and the audit of what editors did.

The queue is one form: the checkboxes and the action select post to `/bulk`, and each
comment's own buttons post the same form (its CSRF token with it) to their own address
(`formaction`), so every action is one click and nothing needs JavaScript. Signing in is the
desk's (editor.py); the comments API does the work and keeps the audit (moderation_queue.py)."""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.web import moderation_queue as api
from services.web.apis import Apis, ServiceError
from services.web.editor_pages import Editor, EditorPages
from services.web.forms import Csrf
from shared.api import MAX_ID
from shared.errors import NotFound

HOME = "/editor/moderation"
MAX_BULK = 300  # comments in one bulk action (the queue shows at most 300)
Show = Literal["all", "waiting", "flagged", "hidden"]


class Posted:
    """A checked form: its first value of each field, and every ticked comment id."""

    def __init__(self, fields: dict[str, str], ids: list[str]) -> None:
        self.fields, self.ids = fields, ids

    @property
    def back(self) -> str:
        """Where to go when done: a moderation page, never another site."""
        back = self.fields.get("back", HOME)
        return back if back.startswith(HOME) and "//" not in back else HOME


def moderation_router(apis: Apis, page: Any, csrf: Csrf,
                      changed: Callable[[str], None]) -> APIRouter:
    """The routes, given the site's APIs, its page renderer, its CSRF tokens, and what to
    tell when an article's thread changed (by its slug), so that its page shows it."""
    router = APIRouter(prefix=HOME)

    pages = EditorPages(apis, page, csrf)
    render = pages.render

    async def checked_form(request: Request) -> Posted:
        fields = await pages.checked_form(request)
        ids = [v for v in (await request.form()).getlist("id") if isinstance(v, str)]
        return Posted(fields, ids)

    # Parameters resolve in order: a form is checked before the editor is looked up.
    CheckedForm = Annotated[Posted, Depends(checked_form)]
    CurrentEditor = Annotated[Editor, Depends(pages.current_editor)]

    async def queue_page(request: Request, editor: Editor, show: Show = "all",
                         problems: list[str] | None = None, status: int = 200,
                         done: int = 0) -> Response:
        items = await api.queue(apis, editor.token)
        counts = {kind: sum(kind in i["kinds"] for i in items) for kind in api.KINDS}
        return render(request, "moderation.html", status=status, me=editor.me, show=show,
                      items=[i for i in items if show == "all" or show in i["kinds"]],
                      counts=counts, total=len(items), problems=problems or [], done=done)

    def refused(request: Request, editor: Editor, form: Posted, problems: list[str],
                status: int, done: int = 0) -> Any:
        show = form.fields.get("show", "all")
        return queue_page(request, editor, show if show in api.KINDS else "all",  # type: ignore[arg-type]
                          problems, status, done)

    @router.get("")
    async def queue(request: Request, editor: CurrentEditor, show: Show = "all") -> Response:
        """The queue: all three kinds, or the one `show` names."""
        return await queue_page(request, editor, show)

    @router.post("/comments/{comment_id}/{action}")
    async def one_comment(request: Request, comment_id: int, action: str, form: CheckedForm,
                          editor: CurrentEditor) -> Response:
        """One action on one comment, then back to the queue as it was shown."""
        if action not in api.COMMENT_ACTIONS:
            raise NotFound("There is no such moderation action.")
        if not 1 <= comment_id <= MAX_ID:
            return await refused(request, editor, form,
                                 [f"“{comment_id}” is not a comment number."], 400)
        try:
            await api.act_on_comment(apis, editor.token, comment_id, action)
        except ServiceError as exc:
            if exc.status >= 500:
                raise
            return await refused(request, editor, form,
                                 [api.refusal(f"Comment {comment_id}", exc)], exc.status)
        _changed(form, [str(comment_id)])
        return RedirectResponse(form.back, status_code=303)

    @router.post("/nics/{action}")
    async def one_nic(request: Request, action: str, form: CheckedForm,
                      editor: CurrentEditor) -> Response:
        """Ban or unban the commenter who uses the posted `nic`."""
        if action not in api.NIC_ACTIONS:
            raise NotFound("There is no such moderation action.")
        nic = form.fields.get("nic", "").strip()
        if not nic or len(nic) > 40:
            return await refused(request, editor, form, ["Say which nic, in 40 characters "
                                                          "at most."], 400)
        try:
            await api.act_on_nic(apis, editor.token, nic, action)
        except ServiceError as exc:
            if exc.status >= 500:
                raise
            return await refused(request, editor, form, [api.refusal(f"Nic {nic}", exc)],
                                 exc.status)
        return RedirectResponse(form.back, status_code=303)

    @router.post("/bulk")
    async def bulk(request: Request, form: CheckedForm, editor: CurrentEditor) -> Response:
        """The chosen action on every ticked comment (in one call of the API) or on their
        nics (one by one): those the API refuses are listed, the others done."""
        action = form.fields.get("action", "")
        if action not in api.COMMENT_ACTIONS and action not in api.NIC_ACTIONS:
            return await refused(request, editor, form, ["Choose an action for the ticked "
                                                          "comments."], 400)
        bad = [i for i in form.ids if not (i.isascii() and i.isdigit()
                                           and 1 <= int(i) <= MAX_ID)]
        if bad or not form.ids or len(form.ids) > MAX_BULK:
            problem = (f"“{bad[0][:20]}” is not a comment number." if bad else
                       "Tick at least one comment." if not form.ids else
                       f"Tick at most {MAX_BULK} comments at once.")
            return await refused(request, editor, form, [problem], 400)
        ids = list(dict.fromkeys(form.ids))
        problems: list[str] = []
        refusals: list[tuple[str, ServiceError]] = []  # (what was refused, the API's answer)
        done = 0
        if action in api.NIC_ACTIONS:
            nics = [form.fields.get(f"nic-{i}", "") for i in ids]
            problems += [f"Comment {i}: its nic is not known here; reload the page."
                         for i, n in zip(ids, nics, strict=True) if not n]
            for nic in dict.fromkeys(n for n in nics if n):
                try:
                    await api.act_on_nic(apis, editor.token, nic, action)
                    done += 1
                except ServiceError as exc:
                    refusals.append((f"Nic {nic}", exc))
        else:
            try:
                done, not_done = await api.act_on_comments(apis, editor.token,
                                                           [int(i) for i in ids], action)
                refusals += [(f"Comment {i}", exc) for i, exc in not_done]
            except ServiceError as exc:
                refusals.append(("The ticked comments", exc))
        for subject, error in refusals:
            if error.status >= 500:
                raise error
            problems.append(api.refusal(subject, error))
        statuses = [error.status for _, error in refusals]
        _changed(form, ids)
        if problems:
            return await refused(request, editor, form, problems,
                                 statuses[0] if statuses else 400, done)
        return RedirectResponse(form.back, status_code=303)

    @router.get("/banned")
    async def banned(request: Request, editor: CurrentEditor) -> Response:
        """The banned commenters, each with an Unban button."""
        return render(request, "moderation_banned.html", me=editor.me,
                      banned=await api.banned(apis, editor.token))

    @router.get("/audit")
    async def audit(request: Request, editor: CurrentEditor,
                    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:
        """What editors did, newest first, fifty a page."""
        return render(request, "moderation_audit.html", me=editor.me,
                      audit=await api.audit(apis, editor.token, before))

    def _changed(form: Posted, ids: list[str]) -> None:
        """Tell the site that the threads of these comments changed (their articles' slugs
        came with the form), so that their pages show it at once."""
        for slug in {form.fields.get(f"slug-{i}", "") for i in ids} - {""}:
            changed(slug)

    return router
