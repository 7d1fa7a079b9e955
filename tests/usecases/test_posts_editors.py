"""Editors managed by editors, in-process: the desk's use cases record the same events as the
command line's, and the last editor with the right cannot revoke themselves."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from services.posts import editors
from shared.errors import Conflict, Invalid, NotFound, Unauthorized
from shared.events import editor_token_hash
from tests.usecases.conftest import Wired
from tests.usecases.posts import posts_service


@pytest.fixture
def posts(tmp_path: Path) -> Iterator[Wired]:
    with posts_service(tmp_path) as wired:
        yield wired


@pytest.fixture
def session(posts: Wired) -> Iterator[Session]:
    with posts.session() as session:
        yield session


def test_the_right_is_given_at_creation_and_kept_on_rotation(posts: Wired,
                                                             session: Session) -> None:
    admin = editors.create_editor(session=session, outbox=posts.outbox, nic="Steve White",
                                  can_manage_editors=True)
    plain = editors.create_editor(session=session, outbox=posts.outbox, nic="Frank G")
    assert editors.authenticate(session=session, token=admin).can_manage_editors
    assert not editors.authenticate(session=session, token=plain).can_manage_editors
    again = editors.create_editor(session=session, outbox=posts.outbox, nic="Steve White",
                                  rotate=True)
    assert editors.authenticate(session=session, token=again).can_manage_editors
    assert [e.nic for e in editors.list_editors(session=session)] == ["Frank G", "Steve White"]


def test_rotating_records_editor_authorized_with_the_new_hash(posts: Wired,
                                                              session: Session) -> None:
    old = editors.create_editor(session=session, outbox=posts.outbox, nic="Frank G")
    new = editors.rotate_editor(session=session, outbox=posts.outbox, nic=" Frank G ")
    assert posts.events()[-1] == ("editor.authorized", {
        "nic": "Frank G", "token_hash": editor_token_hash(new), "version": 2})
    with pytest.raises(Unauthorized):
        editors.authenticate(session=session, token=old)
    with pytest.raises(NotFound):
        editors.rotate_editor(session=session, outbox=posts.outbox, nic="Nobody")
    with pytest.raises(Invalid):
        editors.rotate_editor(session=session, outbox=posts.outbox, nic="Frank\nG")
    assert len(posts.events()) == 2


def test_the_last_editor_with_the_right_cannot_revoke_themselves(posts: Wired,
                                                                 session: Session) -> None:
    editors.create_editor(session=session, outbox=posts.outbox, nic="Steve White",
                          can_manage_editors=True)
    editors.create_editor(session=session, outbox=posts.outbox, nic="Frank G")
    with pytest.raises(Conflict, match="last editor"):
        editors.revoke_editor(session=session, outbox=posts.outbox, nic="Steve White",
                              by="Steve White")
    editors.create_editor(session=session, outbox=posts.outbox, nic="Procopius2k",
                          can_manage_editors=True)
    editors.revoke_editor(session=session, outbox=posts.outbox, nic="Procopius2k",
                          by="Steve White")
    with pytest.raises(Conflict):  # the other one's token no longer works: still the last
        editors.revoke_editor(session=session, outbox=posts.outbox, nic="Steve White",
                              by="Steve White")
    editors.create_editor(session=session, outbox=posts.outbox, nic="Procopius2k",
                          rotate=True)
    editors.revoke_editor(session=session, outbox=posts.outbox, nic="Steve White",
                          by="Steve White")
    assert posts.events()[-1] == ("editor.revoked", {"nic": "Steve White", "version": 2})
    # The command line (no `by`) may revoke anyone: the operator can always make another.
    editors.revoke_editor(session=session, outbox=posts.outbox, nic="Procopius2k")
