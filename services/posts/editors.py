"""Editors and their API tokens: only a hash of each token is stored."""

import secrets

from pydantic import ValidationError
from sqlmodel import Session, select

from services.posts.models import Editor, EditorCreate
from shared.errors import Conflict, Invalid, NotFound, Unauthorized
from shared.events import EditorAuthorized, EditorRevoked, editor_token_hash, utcnow
from shared.outbox import Outbox


def create_editor(*, session: Session, outbox: Outbox, nic: str, rotate: bool = False,
                  can_manage_editors: bool = False) -> str:
    """Create the editor `nic` and return its new API token (shown once).

    With `rotate`, an existing editor gets a fresh token instead (the old one stops working).
    `can_manage_editors` gives the editor the right to manage editors (an existing one keeps
    the right it has). A nic no commenter could use (a control character, two lines…) is
    Invalid.
    """
    nic = editor_nic(nic)
    editor = _locked(session, nic)
    if editor is not None and not rotate:
        raise Conflict(f"editor {nic!r} exists; rotate its token for a new one "
                       "(create-editor --rotate, or POST /api/posts/editors/<nic>/rotate)")
    editor = editor or Editor(nic=nic, token_hash="")
    editor.can_manage_editors = editor.can_manage_editors or can_manage_editors
    return _new_token(session, outbox, editor)


def rotate_editor(*, session: Session, outbox: Outbox, nic: str) -> str:
    """Give the existing editor `nic` a new token and return it (shown once); the old one
    stops working, and a revoked editor is an editor again. NotFound for an unknown nic."""
    editor = _locked(session, editor_nic(nic))
    if editor is None:
        raise NotFound(f"no editor {nic!r}")
    return _new_token(session, outbox, editor)


def _new_token(session: Session, outbox: Outbox, editor: Editor) -> str:
    """Store a fresh token's hash for `editor`, tell the consumers (`editor.authorized`) in
    the same transaction, and return the token."""
    token = secrets.token_urlsafe(32)
    editor.token_hash, editor.revoked_at = editor_token_hash(token), None
    editor.version = (editor.version or 0) + 1
    session.add(editor)
    outbox.add(session, EditorAuthorized(nic=editor.nic, token_hash=editor.token_hash,
                                         version=editor.version))
    session.commit()
    return token


def editor_nic(nic: str) -> str:
    """`nic` as an editor's nic is stored (trimmed), or Invalid saying what is wrong with it."""
    try:
        return EditorCreate(nic=nic).nic
    except ValidationError as exc:
        raise Invalid("; ".join(f"nic: {e['msg']}" for e in exc.errors())) from None


def revoke_editor(*, session: Session, outbox: Outbox, nic: str, by: str | None = None
                  ) -> None:
    """Make the editor's token stop working. An editor revoking themselves (`by`, the
    desk's caller; the command line has none) cannot when they are the last editor with the
    right to manage editors: nobody could make a new one but the operator (Conflict)."""
    editor = _locked(session, editor_nic(nic))
    if editor is None:
        raise NotFound(f"no editor {nic!r}")
    if by == editor.nic and editor.can_manage_editors and not _other_managers(session, editor):
        raise Conflict(f"{editor.nic!r} is the last editor who can manage editors: give the right "
                       "to another editor first")
    editor.revoked_at = utcnow()
    editor.version += 1
    session.add(editor)
    outbox.add(session, EditorRevoked(nic=nic, version=editor.version))
    session.commit()


def set_right(*, session: Session, nic: str, can_manage_editors: bool) -> Editor:
    """Give the editor `nic` the right to manage editors, or take it away. Taking it from
    the last editor who holds it with a working token is refused (Conflict): nobody could
    give it back but the operator. No event: the other services do not know of the right.
    NotFound for an unknown nic."""
    editor = _locked(session, editor_nic(nic))
    if editor is None:
        raise NotFound(f"no editor {nic!r}")
    if (editor.can_manage_editors and not can_manage_editors and editor.revoked_at is None
            and not _other_managers(session, editor)):
        raise Conflict(f"{editor.nic!r} is the last editor who can manage editors: give the right "
                       "to another editor first")
    editor.can_manage_editors = can_manage_editors
    session.add(editor)
    session.commit()
    session.refresh(editor)
    return editor


def list_editors(*, session: Session) -> list[Editor]:
    """Every editor, revoked ones included, by nic."""
    return list(session.exec(select(Editor).order_by(Editor.nic)))


def find_editor(*, session: Session, nic: str) -> Editor:
    """The editor `nic`, revoked or not; NotFound if there is none."""
    editor = session.exec(select(Editor).where(Editor.nic == editor_nic(nic))).first()
    if editor is None:
        raise NotFound(f"no editor {nic!r}")
    return editor


def _other_managers(session: Session, editor: Editor) -> int:
    """How many editors besides `editor` hold a working token and the right to manage."""
    return len(session.exec(select(Editor.id).where(
        Editor.can_manage_editors, Editor.revoked_at.is_(None),  # type: ignore[union-attr]
        Editor.id != editor.id)).all())


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
