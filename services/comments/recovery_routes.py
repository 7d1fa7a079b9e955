"""The comments API's routes for recovery codes (recovery.py): a commenter makes one with
their token; a new browser trades it (or a code e-mailed in a recovery link) for a new token
(and a new code). Both answers are secrets shown once: sent with `Cache-Control: no-store`.
Anyone may ask for recovery links to an address: the answer is the same 202 whether or not
the address is known."""

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import EmailStr, Field, StringConstraints, field_validator
from sqlmodel import SQLModel
from starlette.concurrency import run_in_threadpool

from services.comments import identity, recovery
from services.comments.deps import CommenterTokenDep, ServiceDep
from shared.api import SessionDep
from shared.text import mail_address

router = APIRouter(prefix="/api/comments")
NO_STORE = {"Cache-Control": "no-store"}


class RecoveryCode(SQLModel):
    """A recovery code, shown once: keep it somewhere safe."""

    recovery_code: str


class Recover(SQLModel):
    """A recovery code as typed (any case, dashes and spaces or none)."""

    recovery_code: Annotated[str, StringConstraints(min_length=10, max_length=64)]


class LinkWanted(SQLModel):
    """The address to e-mail recovery links to (one given with a comment, and confirmed)."""

    email: EmailStr = Field(max_length=254)

    _address = field_validator("email")(mail_address)


class LinkAsked(SQLModel):
    """Said whatever the address: nobody learns from it whose address it is."""

    detail: str


LINK_ASKED = ("If this address was given with a comment here and confirmed, a recovery link "
              "is on its way to it; it works once, within an hour.")


class Recovered(SQLModel):
    """The commenter the code was for: a new token for this browser and a new code (the old
    token and code no longer work), with what the commenter knows of themselves."""

    commenter_token: str
    recovery_code: str
    original_nic: str
    nics: list[str]
    comment_count: int


@router.post("/commenters/me/recovery-code", response_model=RecoveryCode, status_code=201)
def make_code(session: SessionDep, response: Response,
              token: CommenterTokenDep = None) -> RecoveryCode:
    """A new recovery code for the token holder (401 without a valid token); the old one, if
    any, stops working."""
    commenter = identity.require(session, token)
    response.headers.update(NO_STORE)
    return RecoveryCode(recovery_code=recovery.make_code(session, commenter))


@router.post("/commenters/recover", response_model=Recovered)
async def recover(data: Recover, request: Request, response: Response,
                  service: ServiceDep) -> Recovered:
    """Trade a recovery code for the commenter's new token and a new code; 401 for a code that
    is no one's, 429 (Retry-After) after `BURG_COMMENTS_RECOVER_PER_IP` tries from one
    address in a window, right or wrong."""
    client = request.client.host if request.client else "unknown"

    def trade() -> Recovered:
        service.limits.count_recovery(client)
        with service.runtime.sessions() as session:
            commenter, nics, token, code = recovery.recover(session, data.recovery_code)
            return Recovered(commenter_token=token, recovery_code=code, nics=nics,
                             original_nic=commenter.original_nic,
                             comment_count=commenter.comment_count)

    recovered = await run_in_threadpool(trade)
    response.headers.update(NO_STORE)
    return recovered


@router.post("/commenters/recovery-link", response_model=LinkAsked, status_code=202)
async def ask_for_link(data: LinkWanted, request: Request, service: ServiceDep) -> LinkAsked:
    """Ask for recovery links to be e-mailed to `email`; 202 whether or not it is a
    commenter's confirmed address (notify decides, and mails only such). Counted with the
    tries of recovery codes: 429 (Retry-After) after `BURG_COMMENTS_RECOVER_PER_IP` in a
    window from one address."""
    client = request.client.host if request.client else "unknown"

    def ask() -> None:
        service.limits.count_recovery(client)
        with service.runtime.sessions() as session:
            recovery.request_link(session=session, outbox=service.runtime.outbox,
                                  settings=service.settings, email=str(data.email))

    await run_in_threadpool(ask)
    return LinkAsked(detail=LINK_ASKED)
