"""FastAPI dependencies of the posts API that are its own: its service and settings, typed as
posts', and the calling editor. The session and the outbox are every service's
(`shared/api.py`)."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.posts.bootstrap import Service
from services.posts.editors import authenticate
from services.posts.models import Editor
from services.posts.settings import PostsSettings
from shared.api import SessionDep, get_service, get_settings
from shared.errors import Forbidden

ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[PostsSettings, Depends(get_settings)]
_bearer = HTTPBearer(auto_error=False, description="an editor's API token")


def get_editor(session: SessionDep,
               credentials: Annotated[HTTPAuthorizationCredentials | None,
                                      Depends(_bearer)]) -> Editor:
    return authenticate(session=session, token=credentials.credentials if credentials else None)


EditorDep = Annotated[Editor, Depends(get_editor)]


def get_manager(editor: EditorDep) -> Editor:
    """The calling editor, if they may manage editors (else 403)."""
    if not editor.can_manage_editors:
        raise Forbidden("only an editor with the right to manage editors may do this")
    return editor


ManagerDep = Annotated[Editor, Depends(get_manager)]
