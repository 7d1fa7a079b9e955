"""How a comment goes public and comes down: its status, the article's count, its event.

Posting, approving, restoring, hiding and deleting all go through these functions, so the
count and the events cannot drift apart.
"""

from sqlmodel import Session

from services.comments import statements as sql
from services.comments.models import ArticleReplica, Comment, CommentStatus
from shared.events import CommentCreated, CommentRemoved
from shared.outbox import Outbox


def make_public(session: Session, outbox: Outbox, comment: Comment, *,
                event: type[CommentCreated] = CommentCreated) -> None:
    """Show `comment` to everyone and emit `event` (created, or restored)."""
    if comment.status == CommentStatus.visible:
        return
    comment.status = CommentStatus.visible
    session.add(comment)
    count_and_announce(session, outbox, comment, event=event)


def count_and_announce(session: Session, outbox: Outbox, comment: Comment, *,
                       event: type[CommentCreated] = CommentCreated) -> None:
    """Count a comment that has just become public (a new one may be created visible) and
    emit `event`."""
    article = session.get_one(ArticleReplica, comment.article_id)
    parent = session.get(Comment, comment.parent_id) if comment.parent_id else None
    assert comment.id is not None
    announce(session, outbox, event(
        comment_id=comment.id, article_id=comment.article_id, article_title=article.title,
        article_url=article.url, parent_id=comment.parent_id,
        commenter_id=comment.commenter_id, nic=comment.nic, body_html=comment.body_html,
        created_at=comment.created_at,
        parent_wants_replies=bool(parent and parent.notify_replies),
        thread_followed=article.followed))


def announce(session: Session, outbox: Outbox, event: CommentCreated, *,
             counted: bool = False) -> None:
    """Count the comment `event` tells of, public from now on (unless already `counted`:
    posting counts it as it numbers it), and emit `event` (posting builds it from the rows it
    read, without objects)."""
    if not counted:
        _count(session, event.article_id, +1)
    outbox.add(session, event)


def take_down(session: Session, outbox: Outbox, comment: Comment,
              status: CommentStatus) -> None:
    """Hide or delete `comment`; if it was public, emit `comment.removed`."""
    if comment.status == status:
        return
    was_public = comment.status == CommentStatus.visible
    comment.status = status
    session.add(comment)
    if was_public:
        _count(session, comment.article_id, -1)
        assert comment.id is not None
        outbox.add(session, CommentRemoved(comment_id=comment.id, article_id=comment.article_id))


def _count(session: Session, article_id: int, delta: int) -> None:
    # One UPDATE with the sum in SQL: concurrent posts never lose a count. Not synchronised
    # into loaded objects (that evaluation cost more than the UPDATE): a statement built once.
    session.connection().execute(sql.COUNT_ARTICLE, {"article": article_id, "delta": delta})



