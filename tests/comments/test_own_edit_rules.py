"""When an author may no longer edit their comment, inside the edit window or not: once
banned, once the thread closed, once the article was retracted. Deleting stays possible:
taking one's words back harms no one."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.comments import moderation, posting, replica
from services.comments.models import Comment, CommentCreate, CommentEdit, CommentStatus
from shared.errors import Forbidden, NotFound
from shared.events import ArticleRetracted, ArticleUpdated
from tests.comments.inprocess import Comments, comments_service


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Comments]:
    with comments_service(tmp_path) as service:
        yield service


def posted(service: Comments) -> tuple[int, str]:
    with service.session() as session:
        comment, token = posting.post_comment(
            session=session, outbox=service.outbox, settings=service.settings, article_id=1,
            data=CommentCreate(nic="Frank G", body="First take"), token=None)
    assert comment.id is not None and token is not None
    return comment.id, token


def edit(service: Comments, comment_id: int, token: str) -> Comment:
    with service.session() as session:
        return posting.edit_own(session=session, outbox=service.outbox,
                                settings=service.settings, comment_id=comment_id, token=token,
                                data=CommentEdit(body="Second take"))


def delete(service: Comments, comment_id: int, token: str) -> str:
    with service.session() as session:
        posting.delete_own(session=session, outbox=service.outbox, settings=service.settings,
                           comment_id=comment_id, token=token)
        return session.get_one(Comment, comment_id).status


def body(service: Comments, comment_id: int) -> str:
    with service.session() as session:
        return session.get_one(Comment, comment_id).body


def closed(service: Comments) -> None:
    now = datetime.now(UTC)
    with service.session() as session:
        replica.on_article_published(session, ArticleUpdated(
            article_id=1, slug="ferry", url="https://burg.example/articles/ferry",
            title="Ferry", category_slug="sea", category_name="Sea", posted_by="Steve White",
            dateline=date(2026, 5, 4), summary="", body_html="<p>x</p>",
            published_at=now - timedelta(days=1), updated_at=now + timedelta(seconds=1),
            comments_close_at=now - timedelta(seconds=1)))
        session.commit()


def retracted(service: Comments) -> None:
    with service.session() as session:
        replica.on_article_retracted(session, ArticleRetracted(
            article_id=1, category_slug="sea",
            retracted_at=datetime.now(UTC) + timedelta(seconds=1)))
        session.commit()


def banned(service: Comments) -> None:
    with service.session() as session:
        moderation.set_banned(session=session, nic="Frank G", banned=True)


def test_a_banned_author_cannot_edit_but_may_delete(service: Comments) -> None:
    comment_id, token = posted(service)
    banned(service)
    with pytest.raises(Forbidden, match="banned"):
        edit(service, comment_id, token)
    assert body(service, comment_id) == "First take"
    assert delete(service, comment_id, token) == CommentStatus.deleted


def test_no_edit_once_the_thread_closed(service: Comments) -> None:
    comment_id, token = posted(service)
    closed(service)
    with pytest.raises(Forbidden, match="closed"):
        edit(service, comment_id, token)
    assert body(service, comment_id) == "First take"
    assert delete(service, comment_id, token) == CommentStatus.deleted


def test_no_edit_once_the_article_was_retracted(service: Comments) -> None:
    comment_id, token = posted(service)
    retracted(service)
    with pytest.raises(NotFound, match="retracted"):
        edit(service, comment_id, token)
    assert body(service, comment_id) == "First take"
    assert delete(service, comment_id, token) == CommentStatus.deleted


def test_an_open_thread_still_takes_edits(service: Comments) -> None:
    comment_id, token = posted(service)
    assert edit(service, comment_id, token).body == "Second take"
