"""The desk's export, `/editor/export`: a page with the two downloads, `/editor/export.xml`
(WordPress WXR) and `/editor/export.json` (one JSON document), for the signed-in editor only.
Each file is streamed as the services' exports are read (export.py), saved under a dated
name, and never kept by a cache (`no-store`): it is the whole site."""

from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from services.web.apis import Apis
from services.web.editor_pages import Editor, EditorPages
from services.web.export import FORMATS, WRITERS, filename
from services.web.export_source import open_export
from services.web.forms import Csrf

PRIVATE = {"Cache-Control": "no-store"}


def export_router(apis: Apis, page: Any, csrf: Csrf, site_url: str) -> APIRouter:
    """The routes, given the site's APIs, its page renderer, its CSRF tokens (the desk's
    sign-out form) and the site's address (in the files)."""
    router = APIRouter(prefix="/editor")
    pages = EditorPages(apis, page, csrf)
    CurrentEditor = Annotated[Editor, Depends(pages.current_editor)]

    @router.get("/export")
    async def export_page(request: Request, editor: CurrentEditor) -> Response:
        response = pages.render(request, "desk_export.html", me=editor.me)
        response.headers.update(PRIVATE)
        return response

    async def download(format_: str, editor: Editor) -> Response:
        stack = AsyncExitStack()
        try:
            export = await open_export(apis, editor.token, stack)
        except BaseException:
            await stack.aclose()
            raise
        now = datetime.now(UTC)

        async def body() -> Any:
            try:
                async for piece in WRITERS[format_](export, site_url, now):
                    yield piece.encode()
            finally:
                await stack.aclose()

        return StreamingResponse(body(), media_type=f"{FORMATS[format_][0]}; charset=utf-8",
                                 headers=PRIVATE | {"Content-Disposition":
                                                    f'attachment; filename="'
                                                    f'{filename(format_, now)}"'})

    @router.get("/export.xml")
    async def export_wxr(editor: CurrentEditor) -> Response:
        """The WordPress WXR file."""
        return await download("wxr", editor)

    @router.get("/export.json")
    async def export_json(editor: CurrentEditor) -> Response:
        """The JSON document."""
        return await download("json", editor)

    return router
