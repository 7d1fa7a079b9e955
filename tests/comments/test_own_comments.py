"""A commenter's own comments in their edit window (own.py): what the site shows Edit and
Delete beside, and why one is refused once it is another's or its time is over."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.comments import own, posting, replica
from services.comments.models import Comment, CommentCreate
from shared.errors import Forbidden, NotFound, Unauthorized
from shared.events import ArticleUpdated
from tests.comments.inprocess import Comments, comments_service


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Comments]:
    with comments_service(tmp_path) as service:
        yield service


def posted(service: Comments, token: str | None = None, nic: str = "Frank G") -> tuple[int, str]:
    with service.session() as session:
        comment, new = posting.post_comment(
            session=session, outbox=service.outbox, settings=service.settings, article_id=1,
            data=CommentCreate(nic=nic, body="[b]First[/b] take"), token=token)
    assert comment.id is not None and (token or new)
    return comment.id, token or str(new)


def listed(service: Comments, token: str | None) -> list[own.OwnComment]:
    with service.session() as session:
        return own.own_comments(session=session, settings=service.settings, token=token,
                                article_id=1).data


def one(service: Comments, comment_id: int, token: str) -> own.OwnComment:
    with service.session() as session:
        return own.own_comment(session=session, settings=service.settings, token=token,
                               comment_id=comment_id)


def test_the_author_gets_their_comment_as_typed_with_its_time_left(service: Comments) -> None:
    comment_id, token = posted(service)
    [mine] = listed(service, token)
    assert (mine.id, mine.body, mine.article_slug, mine.can_edit) == (
        comment_id, "[b]First[/b] take", "ferry", True)
    assert mine.editable_until == mine.created_at + timedelta(minutes=15)
    assert one(service, comment_id, token) == mine


def test_another_commenter_gets_none_of_them(service: Comments) -> None:
    comment_id, _ = posted(service)
    _, other = posted(service, nic="Someone Else")
    assert comment_id not in [c.id for c in listed(service, other)]
    with pytest.raises(Forbidden, match="only its author"):
        one(service, comment_id, other)
    with pytest.raises(Unauthorized):
        listed(service, None)
    with pytest.raises(NotFound):
        one(service, 999, other)


def test_past_the_window_it_is_no_longer_offered(service: Comments) -> None:
    comment_id, token = posted(service)
    with service.session() as session:
        comment = session.get_one(Comment, comment_id)
        comment.created_at -= timedelta(minutes=16)
        session.add(comment)
        session.commit()
    assert listed(service, token) == []
    with pytest.raises(Forbidden, match="that time is over"):
        one(service, comment_id, token)


def test_on_a_closed_thread_it_can_be_deleted_not_edited(service: Comments) -> None:
    comment_id, token = posted(service)
    now = datetime.now(UTC)
    with service.session() as session:
        replica.on_article_published(session, ArticleUpdated(
            article_id=1, slug="ferry", url="https://burg.example/articles/ferry",
            title="Ferry", category_slug="sea", category_name="Sea", posted_by="Steve White",
            dateline=date(2026, 5, 4), summary="", body_html="<p>x</p>",
            published_at=now - timedelta(days=1), updated_at=now + timedelta(seconds=1),
            comments_close_at=now - timedelta(seconds=1)))
        session.commit()
    assert [(c.id, c.can_edit) for c in listed(service, token)] == [(comment_id, False)]
