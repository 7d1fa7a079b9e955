"""The comments API's routes for the editors' one moderation queue: reject a waiting comment,
the list of banned commenters, and the audit of what editors did (audit.py). The per-comment
actions the queue also uses (approve, hide, restore, delete, ban) are the API's own (api.py);
`POST /moderation/actions` takes one of them to many comments in one call."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import Field
from sqlmodel import SQLModel

from services.comments import audit, moderation
from services.comments.audit import AuditPage
from services.comments.deps import EditorDep
from shared.api import MAX_ID, Id, OutboxDep, SessionDep

router = APIRouter(prefix="/api/comments")
AuditLimit = Annotated[int, Query(ge=1, le=200)]
Before = Annotated[int | None, Query(ge=1, le=MAX_ID)]  # the last page's `next_before`


MAX_BATCH = 300  # comments in one batch action (the web's queue shows at most 300)


class BatchAction(SQLModel):
    action: moderation.BatchActionName
    comment_ids: Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]],
                           Field(min_length=1, max_length=MAX_BATCH)]


class Refusal(SQLModel):
    comment_id: int
    status: int  # what the one-comment route would have answered: 404 or 409
    detail: str


class BatchDone(SQLModel):
    done: list[int]  # the ids the action was taken on, in the order given
    refused: list[Refusal]


class BannedCommenter(SQLModel):
    nic: str  # the nic they first used
    nics: list[str]  # every nic they use (a ban covers them all)
    comment_count: int


class BannedCommenters(SQLModel):
    data: list[BannedCommenter]


@router.post("/comments/{comment_id}/reject", status_code=204)
def reject(comment_id: Id, session: SessionDep, outbox: OutboxDep,
           editor: EditorDep) -> Response:
    """Delete a comment that waits for approval, for good (editor only; 409 for a comment
    that does not wait: hide or delete that one)."""
    moderation.reject(session=session, outbox=outbox, comment_id=comment_id, by=editor.nic)
    return Response(status_code=204)


@router.post("/moderation/actions", response_model=BatchDone)
def act_on_many(batch: BatchAction, session: SessionDep, outbox: OutboxDep,
                editor: EditorDep) -> BatchDone:
    """Approve, reject, hide, restore or delete up to 300 comments, or dismiss their reports,
    in one call (editor only): each comment as if asked alone, in its own transaction, so the
    ones that cannot take the action (gone, or not waiting) are listed under `refused` with
    the status and words their own route would have given, and the others are done."""
    done, refused = moderation.act_on_many(session=session, outbox=outbox, action=batch.action,
                                           comment_ids=batch.comment_ids, by=editor.nic)
    return BatchDone(done=done, refused=[
        Refusal(comment_id=i, status=exc.status, detail=exc.detail) for i, exc in refused])


@router.get("/moderation/banned", response_model=BannedCommenters)
def banned(session: SessionDep, _editor: EditorDep) -> BannedCommenters:
    """The banned commenters, by the nic they first used, each with all their nics (editor
    only): unban any one of them with `POST /nics/{nic}/unban`."""
    return BannedCommenters(data=[
        BannedCommenter(nic=commenter.original_nic, nics=nics,
                        comment_count=commenter.comment_count)
        for commenter, nics in moderation.banned(session=session)])


@router.get("/moderation/audit", response_model=AuditPage)
def audit_log(session: SessionDep, _editor: EditorDep, before: Before = None,
              limit: AuditLimit = 50) -> AuditPage:
    """What editors did (approve, reject, hide, restore, delete, dismiss-flags, ban, unban),
    newest first, `limit` at a time; pass `next_before` as `before` for the next page
    (editor only)."""
    return audit.page(session=session, before=before, limit=limit)
