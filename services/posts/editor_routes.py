"""The posts API's routes for managing editors, under `/api/posts/editors`: an editor with the
right (`can_manage_editors`) lists, creates, rotates and revokes editors' tokens, and gives or
takes the right. They call the same use cases as the command line (`editors.py`), so the same
`editor.authorized` and `editor.revoked` events tell the comments service."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.posts import editors
from services.posts.deps import EditorDep, ManagerDep
from services.posts.models import (
    EditorCreate,
    EditorListed,
    EditorPublic,
    EditorRight,
    EditorToken,
)
from shared.api import OutboxDep, SessionDep

router = APIRouter(prefix="/api/posts/editors")
# Longer than any nic: a 404 (or 422 for a bad one) from the use case, not a database error.
# A nic may hold "/" (sent as %2F), hence the `:path` in the routes.
Nic = Annotated[str, Path(max_length=200)]
REFUSED: dict[int | str, dict[str, str]] = {
    403: {"description": "the calling editor may not manage editors"}}


@router.get("/me", response_model=EditorPublic)
def who_am_i(editor: EditorDep):
    """The editor this token belongs to, and their right (a frontend checks a token with it)."""
    return EditorPublic(nic=editor.nic, can_manage_editors=editor.can_manage_editors)


@router.get("", response_model=list[EditorListed], responses=REFUSED)
def list_editors(session: SessionDep, _manager: ManagerDep):
    """Every editor, revoked ones included, by nic (editors with the right only)."""
    return editors.list_editors(session=session)


@router.post("", response_model=EditorToken, status_code=201, responses=REFUSED)
def create_editor(data: EditorCreate, session: SessionDep, outbox: OutboxDep,
                  _manager: ManagerDep, response: Response):
    """Create an editor; the answer holds their token, shown this once. 409 if the nic is
    an editor's already."""
    token = editors.create_editor(session=session, outbox=outbox, nic=data.nic,
                                  can_manage_editors=data.can_manage_editors)
    response.headers["Cache-Control"] = "no-store"
    return EditorToken(nic=data.nic, can_manage_editors=data.can_manage_editors, token=token)


@router.post("/{nic:path}/rotate", response_model=EditorToken, responses=REFUSED)
def rotate_editor(nic: Nic, session: SessionDep, outbox: OutboxDep, _manager: ManagerDep,
                  response: Response):
    """A new token for the editor, shown this once; the old one stops working (a revoked
    editor is an editor again)."""
    token = editors.rotate_editor(session=session, outbox=outbox, nic=nic)
    editor = editors.find_editor(session=session, nic=nic)
    response.headers["Cache-Control"] = "no-store"
    return EditorToken(nic=editor.nic, can_manage_editors=editor.can_manage_editors, token=token)


@router.post("/{nic:path}/revoke", response_model=EditorListed, responses=REFUSED)
def revoke_editor(nic: Nic, session: SessionDep, outbox: OutboxDep, manager: ManagerDep):
    """Make the editor's token stop working; 409 for the last editor with the right
    revoking themselves."""
    editors.revoke_editor(session=session, outbox=outbox, nic=nic, by=manager.nic)
    return editors.find_editor(session=session, nic=nic)


@router.post("/{nic:path}/right", response_model=EditorListed, responses=REFUSED)
def set_right(nic: Nic, data: EditorRight, session: SessionDep, _manager: ManagerDep):
    """Give the editor the right to manage editors, or take it away; 409 for taking it from
    the last editor with a working token who holds it."""
    return editors.set_right(session=session, nic=nic, can_manage_editors=data.can_manage_editors)
