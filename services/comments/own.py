"""A commenter's own comments still inside their edit window, as their author sees them: the
markup they typed (for the edit form) and until when they may change it. Only the token's
holder gets them, so the public models never carry who wrote what."""

from datetime import datetime, timedelta

from sqlmodel import Session, SQLModel, col, select

from services.comments import identity
from services.comments.models import ArticleReplica, Comment, CommentStatus
from services.comments.settings import CommentsSettings
from services.comments.threads import is_open
from shared.errors import Forbidden, NotFound
from shared.events import utcnow

SHOWN = (CommentStatus.visible, CommentStatus.pending)  # what its author can still change


class OwnComment(SQLModel):
    """One of the token holder's comments they may still change."""

    id: int
    article_id: int
    article_slug: str
    body: str  # the markup as typed
    body_html: str
    created_at: datetime
    editable_until: datetime  # created_at plus the edit window
    # The text can be changed (the thread is open and the author not banned); deleting
    # needs only the window.
    can_edit: bool


class OwnComments(SQLModel):
    data: list[OwnComment]


def own_comments(*, session: Session, settings: CommentsSettings, token: str | None,
                 article_id: int | None = None) -> OwnComments:
    """The token holder's comments (on `article_id`, else anywhere) whose edit window is
    still open, oldest first: what the site shows Edit and Delete beside."""
    commenter = identity.require(session, token)
    window = timedelta(minutes=settings.edit_window_minutes)
    query = select(Comment).where(Comment.commenter_id == commenter.id,
                                  col(Comment.created_at) > utcnow() - window,
                                  col(Comment.status).in_(SHOWN))
    if article_id is not None:
        query = query.where(Comment.article_id == article_id)
    found = []
    for comment in session.exec(query.order_by(col(Comment.id))):
        article = session.get(ArticleReplica, comment.article_id)
        if article is None:
            continue
        assert comment.id is not None
        found.append(OwnComment(
            id=comment.id, article_id=comment.article_id, article_slug=article.slug,
            body=comment.body, body_html=comment.body_html, created_at=comment.created_at,
            editable_until=comment.created_at + window,
            can_edit=is_open(article) and not commenter.banned))
    return OwnComments(data=found)


def own_comment(*, session: Session, settings: CommentsSettings, token: str | None,
                comment_id: int) -> OwnComment:
    """One of `own_comments`: Unauthorized without a valid token, NotFound for a comment
    not on the site, Forbidden for another's or one whose window has passed."""
    commenter = identity.require(session, token)
    comment = session.get(Comment, comment_id)
    if comment is None or comment.status not in SHOWN:
        raise NotFound(f"no comment {comment_id}")
    if comment.commenter_id != commenter.id:
        raise Forbidden("only its author can change a comment")
    for own in own_comments(session=session, settings=settings, token=token,
                            article_id=comment.article_id).data:
        if own.id == comment_id:
            return own
    raise Forbidden(f"comments can be changed for {settings.edit_window_minutes} minutes "
                    "after posting; that time is over")
