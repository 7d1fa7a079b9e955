"""Editors and their API tokens: only a hash of each token is stored."""

import secrets

from pydantic import ValidationError
from sqlmodel import Session, select

from services.posts.models import Editor, EditorCreate
from shared.errors import Conflict, Invalid, NotFound, Unauthorized
from shared.events import EditorAuthorized, EditorRevoked, editor_token_hash, utcnow
from shared.outbox import Outbox


def create_editor(*, session: Session, outbox: Outbox, nic: str, rotate: bool = False) -> str:
    """Create the editor `nic` and return its new API token (shown once).

    With `rotate`, an existing editor gets a fresh token instead (the old one stops working).
    A nic no commenter could use (a control character, two lines…) is Invalid.
    """
    nic = editor_nic(nic)
    editor = _locked(session, nic)
    if editor is not None and not rotate:
        raise Conflict(f"editor {nic!r} exists; pass --rotate for a new token")
    token = secrets.token_urlsafe(32)
    editor = editor or Editor(nic=nic, token_hash="")
    editor.token_hash, editor.revoked_at = editor_token_hash(token), None
    editor.version = (editor.version or 0) + 1
    session.add(editor)
    outbox.add(session, EditorAuthorized(nic=nic, token_hash=editor.token_hash,
                                         version=editor.version))
    session.commit()
    return token


def editor_nic(nic: str) -> str:
    """`nic` as an editor's nic is stored (trimmed), or Invalid saying what is wrong with it."""
    try:
        return EditorCreate(nic=nic).nic
    except ValidationError as exc:
        raise Invalid("; ".join(f"nic: {e['msg']}" for e in exc.errors())) from None


def revoke_editor(*, session: Session, outbox: Outbox, nic: str) -> None:
    """Make the editor's token stop working."""
    editor = _locked(session, nic)
    if editor is None:
        raise NotFound(f"no editor {nic!r}")
    editor.revoked_at = utcnow()
    editor.version += 1
    session.add(editor)
    outbox.add(session, EditorRevoked(nic=nic, version=editor.version))
    session.commit()


def _locked(session: Session, nic: str) -> Editor | None:
    """The editor `nic`, locked until commit (on PostgreSQL): two changes at once cannot both
    take the same next version."""
    return session.exec(select(Editor).where(Editor.nic == nic).with_for_update()).first()


def authenticate(*, session: Session, token: str | None) -> Editor:
    """The editor holding `token`; Unauthorized for a missing, unknown or revoked one."""
    if not token:
        raise Unauthorized("an editor token is required (Authorization: Bearer <token>)")
    editor = session.exec(
        select(Editor).where(Editor.token_hash == editor_token_hash(token))).first()
    if editor is None or editor.revoked_at is not None:
        raise Unauthorized("the editor token is not valid")
    return editor
