"""FastAPI dependencies of the posts API: a database session and the calling editor."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from services.posts.bootstrap import runtime
from services.posts.editors import authenticate
from services.posts.models import Editor


def get_session() -> Iterator[Session]:
    with runtime.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
_bearer = HTTPBearer(auto_error=False, description="an editor's API token")


def get_editor(session: SessionDep,
               credentials: Annotated[HTTPAuthorizationCredentials | None,
                                      Depends(_bearer)]) -> Editor:
    return authenticate(session=session, token=credentials.credentials if credentials else None)


EditorDep = Annotated[Editor, Depends(get_editor)]
