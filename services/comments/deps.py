"""FastAPI dependencies of the comments API that are its own: its service and settings, typed
as comments', the commenter token, the reading commenter and the editor. The session and the
outbox are every service's (`shared/api.py`)."""

from typing import Annotated

from fastapi import Depends, Header
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.comments import identity
from services.comments.bootstrap import Service
from services.comments.models import Commenter, EditorReplica
from services.comments.moderation import authenticate_editor
from services.comments.settings import CommentsSettings
from shared.api import SessionDep, get_service, get_settings

ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[CommentsSettings, Depends(get_settings)]
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
