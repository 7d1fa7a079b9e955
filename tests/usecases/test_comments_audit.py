"""The comments service's moderation audit and the reject rule, on a database of its own: an
editor's action and its audit row are one transaction (a refused action records nothing), a
rejected waiting comment leaves no event (it was never public), and the audit pages newest
first."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from services.comments import audit, moderation
from services.comments.audit import ModerationRecord
from services.comments.models import CommentStatus
from shared.errors import Conflict, NotFound
from tests.usecases.comments import SETTINGS, comments_service, post, status
from tests.usecases.conftest import Wired


@pytest.fixture
def comments(tmp_path: Path) -> Iterator[Wired]:
    with comments_service(tmp_path) as wired:
        yield wired


@pytest.fixture
def session(comments: Wired) -> Iterator[Session]:
    with comments.session() as session:
        yield session


def records(session: Session) -> list[tuple[str, str, int | None, str | None]]:
    rows = session.exec(select(ModerationRecord).order_by(col(ModerationRecord.id))).all()
    return [(r.editor, str(r.action), r.comment_id, r.nic) for r in rows]


def test_a_rejected_waiting_comment_is_deleted_recorded_and_never_announced(
        comments: Wired, session: Session) -> None:
    waiting, _ = post(comments, settings=SETTINGS.model_copy(update={"premoderation": True}))
    assert waiting.id is not None
    moderation.reject(session=session, outbox=comments.outbox, comment_id=waiting.id,
                      by="Steve White")
    assert status(comments, waiting.id) == CommentStatus.deleted
    assert comments.events() == []
    assert records(session) == [("Steve White", "reject", waiting.id, waiting.nic)]


def test_a_refused_action_records_nothing(comments: Wired, session: Session) -> None:
    public, _ = post(comments)
    assert public.id is not None
    with pytest.raises(Conflict):
        moderation.reject(session=session, outbox=comments.outbox, comment_id=public.id,
                          by="Steve White")
    session.rollback()
    with pytest.raises(NotFound):
        moderation.set_banned(session=session, nic="Nobody", banned=True, by="Steve White")
    session.rollback()
    assert records(session) == []
    assert status(comments, public.id) == CommentStatus.visible


def test_without_an_editor_nothing_is_recorded_and_the_audit_pages_newest_first(
        comments: Wired, session: Session) -> None:
    comment, _ = post(comments)
    assert comment.id is not None
    moderation.hide(session=session, outbox=comments.outbox, comment_id=comment.id)
    assert records(session) == []  # a script's change, not an editor's
    for _ in range(3):
        moderation.hide(session=session, outbox=comments.outbox, comment_id=comment.id,
                        by="Steve White")
    first = audit.page(session=session, limit=2)
    assert [e.id for e in first.data] == [3, 2] and first.next_before == 2
    rest = audit.page(session=session, before=first.next_before, limit=2)
    assert [e.id for e in rest.data] == [1] and rest.next_before is None
