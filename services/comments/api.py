"""The comments API, under `/api/comments`: threads, posting, own edits, moderation.

`uvicorn --factory services.comments.api:main` serves it; `create_app(service)` builds it for
a service wired by whoever calls it (a test, with settings of its own)."""

import logging
from typing import Annotated

import redis
from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from kombu.exceptions import OperationalError as BrokerError
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from services.comments import (
    exporting,
    flag_routes,
    forget_routes,
    identity,
    moderation,
    moderation_routes,
    own_routes,
    posting,
    recovery_routes,
    threads,
)
from services.comments.bootstrap import Service, bootstrap
from services.comments.deps import (
    BearerDep,
    CommenterTokenDep,
    EditorDep,
    ServiceDep,
    SettingsDep,
    ViewerDep,
    get_viewer,
)
from services.comments.list_api import lists_router
from services.comments.models import (
    CommentCreate,
    CommentEdit,
    CommenterPublic,
    CommentPlace,
    CommentPosted,
    CommentPublic,
    CommentsPublic,
    CountsPublic,
    NicPath,
    Preview,
    PreviewPublic,
    ThreadPublic,
)
from services.comments.thread_bytes import ThreadReads
from shared.api import MAX_ID, Id, OutboxDep, SessionDep, get_service, service_app
from shared.http import json_with_etag, not_modified

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/comments")
# `?article_id=`: the moderation lists of one article.
OneArticle = Annotated[int | None, Query(ge=1, le=MAX_ID)]
PageLimit = Annotated[int, Query(ge=1, le=500)]  # comments in a page of a thread
# A cursor names a comment's path (at most 400 characters, 536 in base64): a longer one is
# refused before anything decodes it (threads.py checks the rest: a place in that thread).
Cursor = Annotated[str | None, Query(max_length=540)]
# `?article_id=1&article_id=2…`: the articles of a list page (the site's are 20 long).
ArticleIds = Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]],
                      Query(alias="article_id", min_length=1, max_length=100)]


@router.post("/articles/{article_id}/comments", response_model=CommentPosted, status_code=201)
async def post_comment(article_id: Id, data: CommentCreate, request: Request,
                       token: CommenterTokenDep = None) -> Response:
    """Post a comment or a reply; a first-time commenter gets their commenter token back.
    Over a rate limit, 429 with Retry-After (the use case's TooMany, as every refusal)."""
    # The busiest write route asks FastAPI for no more than it must: the service called for
    # (no dependency to solve), and its reply as JSON bytes (`response_model` only
    # documents it: FastAPI would validate the reply again before writing it).
    service: Service = await get_service(request)
    client = request.client.host if request.client else "unknown"

    def post() -> bytes:
        with service.runtime.sessions() as session:
            comment, new_token = posting.post_comment(
                session=session, outbox=service.runtime.outbox, settings=service.settings,
                article_id=article_id, data=data, token=token, limits=service.limits,
                client=client)
        return CommentPosted(comment=comment, commenter_token=new_token).model_dump_json().encode()

    # One trip to a worker thread, for its rate limits, its transaction and its reply. As a
    # sync route with a session dependency it made four (the dependency in and out, the
    # route, the reply's validation), about 6% of its CPU.
    return Response(await run_in_threadpool(post), status_code=201,
                    media_type="application/json")


@router.get("/articles/{article_id}/comments", response_model=ThreadPublic)
async def get_thread(article_id: Id, request: Request, service: ServiceDep,
                     token: CommenterTokenDep = None, cursor: Cursor = None,
                     before: Cursor = None, limit: PageLimit = 100) -> Response:
    """A page of an article's comments in thread order, the count, and whether it is open;
    pass `next_cursor` back as `cursor` for the next page, `previous_cursor` as `before` for
    the one before. A removed comment with shown replies is a placeholder (`removed`).
    Answers 304 to a matching If-None-Match."""
    # Only under pre-moderation can a commenter see more than anyone (their waiting comments).
    personal = bool(token) and service.settings.premoderation

    def build() -> tuple[bytes, float | None]:
        with service.runtime.sessions() as session:
            viewer = get_viewer(session, token) if personal else None
            thread = threads.get_thread(session=session, article_id=article_id,
                                        viewer=viewer, cursor=cursor, before=before,
                                        limit=limit)
        return thread.model_dump_json().encode(), threads.seconds_until(thread.closes_at)

    page = await service.pages.get((cursor, before, limit), article_id, build, shared=not personal)
    headers = {"ETag": page.etag, "Cache-Control": "no-cache"}
    if not_modified(request, page.etag):
        return Response(status_code=304, headers=headers)
    return Response(page.body, media_type="application/json", headers=headers)


@router.get("/counts", response_model=CountsPublic,
            responses={304: {"description": "the client's copy (If-None-Match) is current"}})
def counts(request: Request, session: SessionDep, article_ids: ArticleIds) -> Response:
    """The public comment count of each article asked for, with a strong ETag (a list of
    articles checks its counts in one conditional GET)."""
    found = threads.counts(session=session, article_ids=article_ids)
    return json_with_etag(request, CountsPublic(counts=found), cache_control="no-cache")


@router.get("/comments/{comment_id}", response_model=CommentPublic)
def get_comment(comment_id: Id, session: SessionDep, viewer: ViewerDep):
    """One comment."""
    return threads.get_comment(session=session, comment_id=comment_id, viewer=viewer)


@router.get("/comments/{comment_id}/place", response_model=CommentPlace)
def place(comment_id: Id, session: SessionDep, settings: SettingsDep, viewer: ViewerDep,
          limit: PageLimit = 100):
    """Which page of the thread (read with this `limit`) holds the comment: the `cursor` that
    opens it, None for the first; 404 for a comment the thread does not show."""
    # The pages the thread route shows this reader: their own only under pre-moderation.
    return threads.place(session=session, comment_id=comment_id, limit=limit,
                         viewer=viewer if settings.premoderation else None)


@router.patch("/comments/{comment_id}", response_model=CommentPublic)
def edit_comment(comment_id: Id, data: CommentEdit, session: SessionDep, outbox: OutboxDep,
                 settings: SettingsDep, token: CommenterTokenDep = None):
    """Its author changes a comment's text, within the edit window."""
    return posting.edit_own(session=session, outbox=outbox, settings=settings,
                            comment_id=comment_id, token=token, data=data)


@router.delete("/comments/{comment_id}", status_code=204)
def delete_comment(comment_id: Id, session: SessionDep, outbox: OutboxDep, settings: SettingsDep,
                   credentials: BearerDep, token: CommenterTokenDep = None) -> Response:
    """Delete a comment: its author within the edit window, or an editor at any time."""
    if credentials is not None:
        editor = moderation.authenticate_editor(session=session, token=credentials.credentials)
        moderation.delete(session=session, outbox=outbox, comment_id=comment_id, by=editor.nic)
    else:
        posting.delete_own(session=session, outbox=outbox, settings=settings,
                           comment_id=comment_id, token=token)
    return Response(status_code=204)


@router.post("/preview", response_model=PreviewPublic)
def preview(data: Preview):
    """Render comment markup as it would appear, storing nothing."""
    return PreviewPublic(body_html=posting.preview(data.body))


@router.get("/commenters/me", response_model=CommenterPublic)
def me(session: SessionDep, token: CommenterTokenDep = None):
    """The token holder's comment count, original nic and every nic they used."""
    return identity.profile(session=session, token=token)


@router.post("/comments/{comment_id}/hide", response_model=CommentPublic)
def hide(comment_id: Id, session: SessionDep, outbox: OutboxDep, editor: EditorDep):
    """Take a comment out of public view (editor only)."""
    return moderation.hide(session=session, outbox=outbox, comment_id=comment_id,
                           by=editor.nic)


@router.post("/comments/{comment_id}/restore", response_model=CommentPublic)
def restore(comment_id: Id, session: SessionDep, outbox: OutboxDep, editor: EditorDep):
    """Show a hidden comment again (editor only)."""
    return moderation.restore(session=session, outbox=outbox, comment_id=comment_id,
                              by=editor.nic)


@router.post("/comments/{comment_id}/approve", response_model=CommentPublic)
def approve(comment_id: Id, session: SessionDep, outbox: OutboxDep, editor: EditorDep):
    """Make a comment that waits for approval public (editor only)."""
    return moderation.approve(session=session, outbox=outbox, comment_id=comment_id,
                              by=editor.nic)


@router.get("/moderation/waiting", response_model=CommentsPublic)
def waiting(session: SessionDep, _editor: EditorDep, article_id: OneArticle = None):
    """Comments waiting for approval, oldest first, on one article or all (editor only)."""
    return CommentsPublic(data=[CommentPublic.model_validate(c) for c in moderation.waiting(
        session=session, article_id=article_id)])


@router.get("/moderation/hidden", response_model=CommentsPublic)
def hidden(session: SessionDep, _editor: EditorDep, article_id: OneArticle = None):
    """Hidden comments, oldest first, on one article or all: what can be restored (editor
    only)."""
    return CommentsPublic(data=[CommentPublic.model_validate(c) for c in moderation.hidden(
        session=session, article_id=article_id)])


@router.get("/export", response_class=StreamingResponse, responses={200: {
    "description": "one JSON object a line: comments, nics, then the counts",
    "content": {exporting.MEDIA_TYPE: {}}}})
def export(service: ServiceDep, _editor: EditorDep) -> StreamingResponse:
    """Every public comment and its threading (editor only), for a backup or a move: lines
    of JSON, `{"comment": …}` in thread order article by article (a comment taken down with
    public replies is a placeholder, `removed`), then `{"nic": …}`, then
    `{"end": {"comments": n, "nics": m}}`; a stream without that last line was cut short."""
    return StreamingResponse(exporting.export_lines(sessions=service.runtime.sessions),
                             media_type=exporting.MEDIA_TYPE,
                             headers={"Cache-Control": "no-store"})


# `:path`: a nic may hold a "/" (sent as %2F, which the server decodes before routing).
@router.post("/nics/{nic:path}/ban", status_code=204)
def ban(nic: NicPath, session: SessionDep, editor: EditorDep) -> Response:
    """Ban the commenter who owns this nic, under every nic they use (editor only)."""
    moderation.set_banned(session=session, nic=nic, banned=True, by=editor.nic)
    return Response(status_code=204)


@router.post("/nics/{nic:path}/unban", status_code=204)
def unban(nic: NicPath, session: SessionDep, editor: EditorDep) -> Response:
    """Lift a ban (editor only)."""
    moderation.set_banned(session=session, nic=nic, banned=False, by=editor.nic)
    return Response(status_code=204)


def create_app(service: Service) -> FastAPI:
    """The comments API of `service` (its routes find it through their dependencies)."""
    app = service_app(service, title="Burg comments",
                      description="Threaded comments under articles.",
                      max_body_bytes=service.settings.max_body_bytes)
    app.include_router(router)
    app.include_router(flag_routes.router)
    app.include_router(moderation_routes.router)
    app.include_router(own_routes.router)
    app.include_router(recovery_routes.router)
    app.include_router(forget_routes.router)
    app.include_router(lists_router)
    # A thread page this process holds goes out as bytes, before everything (thread_bytes.py).
    [thread_route] = [str(getattr(route, "path", "")) for route in router.routes
                      if getattr(route, "endpoint", None) is get_thread]
    app.reads = ThreadReads(service.pages, service.settings.premoderation, thread_route)
    app.add_exception_handler(redis.RedisError, _redis_away)
    app.add_exception_handler(BrokerError, _redis_away)
    return app


def main() -> FastAPI:
    """The app as uvicorn's `--factory` makes it: the service on the environment's settings."""
    return create_app(bootstrap())


async def _redis_away(_request: Request, exc: Exception) -> JSONResponse:
    # The routes do without Redis (limits fail open, events wait in the outbox, pages are
    # built without their cache): should a use of it slip through, a retry, never a 500.
    log.warning("Redis unavailable: %s", exc)
    return JSONResponse({"detail": "a service this needs is unavailable; try again soon"},
                        status_code=503, headers={"Retry-After": "5"})
