"""FastAPI dependencies of the comments API."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header
from sqlmodel import Session

from services.comments.bootstrap import runtime


def get_session() -> Iterator[Session]:
    with runtime.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
# The secret a commenter got with their first comment (the web frontend keeps it in a cookie).
CommenterTokenDep = Annotated[str | None, Header(alias="X-Commenter-Token")]
