"""Use cases of commenters: post a comment or a reply, preview it, edit or delete it."""

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.comments import identity
from services.comments.changes import count_and_announce, take_down
from services.comments.limits import PostingLimits
from services.comments.models import (
    MAX_DEPTH,
    ArticleReplica,
    Comment,
    CommentCreate,
    CommentEdit,
    Commenter,
    CommentStatus,
)
from services.comments.settings import CommentsSettings
from services.comments.threads import is_open
from shared.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from shared.events import CommentEdited, SubscriptionRequested, utcnow
from shared.markup import render
from shared.outbox import Outbox
from shared.sealing import seal

CLOSED = "Comments have been closed on this article."


def post_comment(*, session: Session, outbox: Outbox, settings: CommentsSettings,
                 article_id: int, data: CommentCreate, token: str | None,
                 limits: PostingLimits | None = None,
                 client: str = "unknown") -> tuple[Comment, str | None]:
    """Post a comment (or a reply) as the commenter holding `token`, or as a new commenter,
    from the client address `client`, counted against `limits` (TooMany when over them;
    None: not counted, as in-process tests post).

    Returns the comment and, for a new commenter, their secret token (shown once). A public
    comment emits `comment.created`; with pre-moderation on, a new commenter's first comment
    waits (status "pending") and emits it when approved. An e-mail address given with a
    request for reply e-mail leaves sealed for notify in `subscription.requested`, and is
    kept nowhere here.
    """
    if limits is not None:
        limits.count(client, token, data)
    if data.homepage:
        raise Invalid("homepage: this field must stay empty")
    article = _open_article(session, article_id)
    parent = _parent(session, article_id, data.parent_id)
    body_html = render(data.body)
    _check_links(body_html, settings)
    commenter, new_token = identity.commenter_for(session, token, data.nic)
    public = not settings.premoderation or _known(session, commenter)
    try:
        identity.claim_nic(session, data.nic, commenter)
        comment = _store(session, article_id, data, commenter, parent, body_html,
                         public=public)
        _request_mail(session, outbox, settings, data, comment, article)
        if public:
            count_and_announce(session, outbox, comment)
        session.commit()
    except IntegrityError:  # another commenter took the nic a moment ago
        session.rollback()
        raise Conflict(f"the nic {data.nic!r} belongs to another commenter") from None
    return comment, new_token


def _open_article(session: Session, article_id: int) -> ArticleReplica:
    """The article to comment on: known, not retracted (NotFound), and open (Forbidden)."""
    article = session.get(ArticleReplica, article_id)
    if article is None or article.retracted:
        raise NotFound(f"no article {article_id} to comment on")
    if not is_open(article):
        raise Forbidden(CLOSED)
    return article


def _store(session: Session, article_id: int, data: CommentCreate, commenter: Commenter,
           parent: Comment | None, body_html: str, *, public: bool) -> Comment:
    """The new comment (public, or waiting for approval), in its place in the thread, and
    counted as its commenter's."""
    assert commenter.id is not None
    comment = Comment(article_id=article_id, parent_id=data.parent_id, nic=data.nic,
                      commenter_id=commenter.id, body=data.body, body_html=body_html,
                      notify_replies=bool(data.email and data.notify_replies),
                      status=CommentStatus.visible if public else CommentStatus.pending,
                      website=str(data.website) if data.website else None)
    session.add(comment)
    session.flush()
    _place(comment, parent)
    session.execute(update(Commenter).where(col(Commenter.id) == commenter.id)
                    .values(comment_count=Commenter.comment_count + 1)
                    .execution_options(synchronize_session=False))
    return comment


def _request_mail(session: Session, outbox: Outbox, settings: CommentsSettings,
                  data: CommentCreate, comment: Comment, article: ArticleReplica) -> None:
    """Ask notify, by `subscription.requested`, for the e-mail the commenter wants (of
    replies, of the whole thread), if any; an article with a follower is marked so."""
    wants_replies = bool(data.email and data.notify_replies)
    wants_thread = bool(data.email and data.follow_thread)
    assert comment.id is not None
    if wants_replies or wants_thread:
        outbox.add(session, SubscriptionRequested(
            comment_id=comment.id, article_id=comment.article_id,
            commenter_id=comment.commenter_id, nic=comment.nic,
            sealed=_sealed(settings, str(data.email), comment.id),
            replies=wants_replies, follow_thread=wants_thread))
    if wants_thread and not article.followed:
        article.followed = True
        session.add(article)


def _sealed(settings: CommentsSettings, email: str, comment_id: int) -> str:
    """The address sealed for notify alone: the outbox row, the broker and their files
    hold only this."""
    if not settings.notify_public_key:
        raise Unavailable("reply e-mail is not set up here (no public key of the notify "
                          "service, BURG_COMMENTS_NOTIFY_PUBLIC_KEY)")
    return seal(settings.notify_public_key, {"email": email},
                SubscriptionRequested.context(comment_id))


def _known(session: Session, commenter: Commenter) -> bool:
    """Whether pre-moderation lets the commenter through: approved by an editor, or with a
    comment that is public now. The second counts comments posted while pre-moderation was
    off (nothing marks those commenters approved); a comment an editor hid or deleted does
    not count. The answer is kept in `approved`, so it is looked up once."""
    if commenter.approved:
        return True
    public = session.exec(select(Comment.id).where(
        Comment.commenter_id == commenter.id, Comment.status == CommentStatus.visible)
        .limit(1)).first()
    if public is None:
        return False
    commenter.approved = True
    session.add(commenter)
    return True


def preview(body: str) -> str:
    """Render a comment as it would appear, storing nothing."""
    return render(body)


def edit_own(*, session: Session, outbox: Outbox, settings: CommentsSettings, comment_id: int,
             token: str | None, data: CommentEdit) -> Comment:
    """The author changes their comment's text, within the edit window, while the article
    takes comments; `comment.edited`. A banned author cannot (Forbidden), nor anyone once the
    thread closed (Forbidden) or the article was retracted (NotFound)."""
    comment = _own(session, settings, comment_id, token, editing=True)
    comment.body, comment.body_html = data.body, render(data.body)
    _check_links(comment.body_html, settings)
    comment.edited_at = utcnow()
    session.add(comment)
    if comment.status == CommentStatus.visible:
        assert comment.id is not None
        outbox.add(session, CommentEdited(comment_id=comment.id, article_id=comment.article_id,
                                          body_html=comment.body_html,
                                          edited_at=comment.edited_at))
    session.commit()
    return comment


def delete_own(*, session: Session, outbox: Outbox, settings: CommentsSettings,
               comment_id: int, token: str | None) -> None:
    """The author deletes their comment, within the edit window; `comment.removed`. Taking
    one's words back harms no one: a banned author may, and so may anyone after the thread
    closed or the article was retracted."""
    comment = _own(session, settings, comment_id, token)
    take_down(session, outbox, comment, CommentStatus.deleted)
    session.commit()


def _parent(session: Session, article_id: int, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = session.get(Comment, parent_id)
    if parent is None or parent.article_id != article_id or parent.status not in (
            CommentStatus.visible, CommentStatus.pending):
        raise NotFound(f"no comment {parent_id} on article {article_id} to reply to")
    return parent


def _place(comment: Comment, parent: Comment | None) -> None:
    """Give the comment its place in thread order: its parent's path plus its own key.

    Replies deeper than MAX_DEPTH sort as their parent's siblings, keeping paths short.
    """
    key = format(comment.id, "08x")
    if parent is None:
        comment.path, comment.depth = key, 0
    elif parent.depth < MAX_DEPTH:
        comment.path, comment.depth = f"{parent.path}/{key}", parent.depth + 1
    else:
        comment.path, comment.depth = f"{parent.path.rsplit('/', 1)[0]}/{key}", parent.depth


def _check_links(body_html: str, settings: CommentsSettings) -> None:
    links = body_html.count("<a ") + body_html.count("<img ")
    if links > settings.max_links:
        raise Invalid(f"body: at most {settings.max_links} links or pictures, not {links}")


def _own(session: Session, settings: CommentsSettings, comment_id: int,
         token: str | None, *, editing: bool = False) -> Comment:
    """The token holder's own comment, still inside its edit window; to edit it, also an
    author not banned, and an article still taking comments."""
    commenter = identity.require(session, token)
    comment = session.get(Comment, comment_id)
    if comment is None or comment.status in (CommentStatus.deleted, CommentStatus.hidden):
        raise NotFound(f"no comment {comment_id}")
    if comment.commenter_id != commenter.id:
        raise Forbidden("only its author can change a comment")
    if editing:
        identity.not_banned(commenter)
        article = session.get(ArticleReplica, comment.article_id)
        if article is None or article.retracted:
            raise NotFound(f"comment {comment_id} is on an article that was retracted; it can "
                           "no longer be edited")
        if not is_open(article):
            raise Forbidden(f"{CLOSED} Its comments can no longer be edited.")
    window = timedelta(minutes=settings.edit_window_minutes)
    if comment.created_at + window < utcnow():
        raise Forbidden(f"comments can be changed for {settings.edit_window_minutes} minutes "
                        "after posting; that time is over")
    return comment
