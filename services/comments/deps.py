"""FastAPI dependencies of the comments API: the service its app was made for (its settings,
its outbox), a session, the commenter token, the editor."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from services.comments import identity
from services.comments.bootstrap import Service
from services.comments.models import Commenter, EditorReplica
from services.comments.moderation import authenticate_editor
from services.comments.settings import CommentsSettings
from shared.outbox import Outbox


# Async, these take no trip to a worker thread: they only read what `create_app` was given.
async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_settings(service: ServiceDep) -> CommentsSettings:
    return service.settings


async def get_outbox(service: ServiceDep) -> Outbox:
    return service.runtime.outbox


SettingsDep = Annotated[CommentsSettings, Depends(get_settings)]
OutboxDep = Annotated[Outbox, Depends(get_outbox)]


def get_session(service: ServiceDep) -> Iterator[Session]:
    with service.runtime.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
# The secret a commenter got with their first comment (the web frontend keeps it in a cookie).
CommenterTokenDep = Annotated[str | None, Header(alias="X-Commenter-Token")]
_bearer = HTTPBearer(auto_error=False, description="an editor's API token")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_viewer(session: SessionDep, token: CommenterTokenDep = None) -> Commenter | None:
    """The commenter reading, if they sent a valid token (they see their waiting comments)."""
    if not token:
        return None
    try:
        return identity.require(session, token)
    except Exception:  # a stale token only means they read as anyone would
        return None


def get_editor(session: SessionDep, credentials: BearerDep) -> EditorReplica:
    return authenticate_editor(session=session,
                               token=credentials.credentials if credentials else None)


ViewerDep = Annotated[Commenter | None, Depends(get_viewer)]
EditorDep = Annotated[EditorReplica, Depends(get_editor)]
