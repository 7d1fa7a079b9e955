"""The comments API's "forget me" routes: a commenter (their token) or an editor (for a nic)
deletes all of a commenter's comments and stops all e-mail to them (forgetting.py)."""

from typing import Literal

from fastapi import APIRouter
from sqlmodel import SQLModel

from services.comments import forgetting, identity
from services.comments.deps import CommenterTokenDep, EditorDep
from services.comments.models import NicPath
from shared.api import OutboxDep, SessionDep

router = APIRouter(prefix="/api/comments")


class ForgetConfirm(SQLModel):
    """The commenter's (or editor's) word that they mean it: `{"confirm": true}`."""

    confirm: Literal[True]


class ForgottenPublic(SQLModel):
    """What forgetting did: how many comments were deleted now (e-mail stops shortly after,
    as notify hears of it)."""

    deleted: int


@router.post("/commenters/me/forget", response_model=ForgottenPublic)
def forget_me(data: ForgetConfirm, session: SessionDep, outbox: OutboxDep,
              token: CommenterTokenDep = None) -> ForgottenPublic:
    """Delete all the token holder's comments, outside the edit window too (each a
    `comment.removed`), and stop all e-mail to them (`commenter.forgotten`). Needs
    `{"confirm": true}`; 401 without a valid token."""
    commenter = identity.require(session, token)
    return ForgottenPublic(deleted=forgetting.forget(session=session, outbox=outbox,
                                                     commenter=commenter))


# `:path`: a nic may hold a "/" (sent as %2F, which the server decodes before routing).
@router.post("/nics/{nic:path}/forget", response_model=ForgottenPublic)
def forget_nic(nic: NicPath, data: ForgetConfirm, session: SessionDep, outbox: OutboxDep,
               editor: EditorDep) -> ForgottenPublic:
    """Forget the commenter who holds this nic, as they could themselves (editor only); 404
    for a nic no one holds."""
    commenter = forgetting.owner_of(session=session, nic=nic)
    return ForgottenPublic(deleted=forgetting.forget(session=session, outbox=outbox,
                                                     commenter=commenter, by=editor.nic))
