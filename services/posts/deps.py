"""FastAPI dependencies of the posts API: the service its app was made for (its settings, its
outbox), a database session and the calling editor."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from services.posts.bootstrap import Service
from services.posts.editors import authenticate
from services.posts.models import Editor
from services.posts.settings import PostsSettings
from shared.outbox import Outbox


# Async, these take no trip to a worker thread: they only read what `create_app` was given.
async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_settings(service: ServiceDep) -> PostsSettings:
    return service.settings


async def get_outbox(service: ServiceDep) -> Outbox:
    return service.runtime.outbox


SettingsDep = Annotated[PostsSettings, Depends(get_settings)]
OutboxDep = Annotated[Outbox, Depends(get_outbox)]


def get_session(service: ServiceDep) -> Iterator[Session]:
    with service.runtime.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
_bearer = HTTPBearer(auto_error=False, description="an editor's API token")


def get_editor(session: SessionDep,
               credentials: Annotated[HTTPAuthorizationCredentials | None,
                                      Depends(_bearer)]) -> Editor:
    return authenticate(session=session, token=credentials.credentials if credentials else None)


EditorDep = Annotated[Editor, Depends(get_editor)]
