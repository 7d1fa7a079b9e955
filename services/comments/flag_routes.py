"""The comments API's routes for reports: a reader flags a comment; editors list the
reported comments and dismiss their reports (hiding or restoring is moderation's)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from services.comments import flagging, moderation
from services.comments.deps import CommenterTokenDep, EditorDep, ServiceDep
from services.comments.flag_models import FlagCreate, FlaggedComments, FlagReceipt
from services.comments.models import CommentPublic
from shared.api import MAX_ID, Id, SessionDep

router = APIRouter(prefix="/api/comments")
OneArticle = Annotated[int | None, Query(ge=1, le=MAX_ID)]  # the reports on one article


@router.post("/comments/{comment_id}/flags", response_model=FlagReceipt, status_code=201,
             responses={200: {"model": FlagReceipt,
                              "description": "this reader had reported it already"}})
async def flag(comment_id: Id, request: Request, response: Response, service: ServiceDep,
               data: FlagCreate | None = None, token: CommenterTokenDep = None) -> FlagReceipt:
    """Report a public comment to the editors, with an optional reason: 201, or 200 with
    `counted: false` for a reader's repeat (one report per reader and comment). Rate limited
    per address and commenter (429 with Retry-After); 404 for a comment not shown; 409 for
    one's own."""
    client = request.client.host if request.client else "unknown"

    def report() -> FlagReceipt:
        with service.runtime.sessions() as session:
            return flagging.flag(session=session, outbox=service.runtime.outbox,
                                 settings=service.settings, comment_id=comment_id,
                                 data=data or FlagCreate(), token=token, client=client,
                                 limits=service.limits)

    receipt = await run_in_threadpool(report)
    if not receipt.counted:
        response.status_code = 200
    return receipt


@router.get("/moderation/flagged", response_model=FlaggedComments)
def flagged(session: SessionDep, _editor: EditorDep, article_id: OneArticle = None):
    """Comments readers reported that no editor has dealt with, the most recently reported
    first, with their report counts and reasons (editor only)."""
    return FlaggedComments(data=flagging.flagged(session=session, article_id=article_id))


@router.post("/comments/{comment_id}/dismiss-flags", response_model=CommentPublic)
def dismiss_flags(comment_id: Id, session: SessionDep, editor: EditorDep):
    """Leave a reported comment as it is, shown or held: its reports are closed (editor
    only; hide and restore close them too)."""
    return moderation.dismiss_flags(session=session, comment_id=comment_id, by=editor.nic)
