"""Use cases of commenters: post a comment or a reply, preview it, edit or delete it."""

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.comments import identity
from services.comments import statements as sql
from services.comments.changes import announce, take_down
from services.comments.limits import PostingLimits
from services.comments.models import (
    MAX_DEPTH,
    ArticleReplica,
    Comment,
    CommentCreate,
    CommentEdit,
    CommentPublic,
    CommentStatus,
)
from services.comments.nics import nic_keys
from services.comments.pages import written
from services.comments.settings import CommentsSettings
from services.comments.threads import is_open
from shared.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from shared.events import CommentCreated, CommentEdited, SubscriptionRequested, utcnow
from shared.markup import render
from shared.outbox import Outbox
from shared.sealing import seal

CLOSED = "Comments have been closed on this article."


def post_comment(*, session: Session, outbox: Outbox, settings: CommentsSettings,
                 article_id: int, data: CommentCreate, token: str | None,
                 limits: PostingLimits | None = None,
                 client: str = "unknown") -> tuple[CommentPublic, str | None]:
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
    conn = session.connection()  # the statements (statements.py) run in its transaction
    article = _open_article(conn, article_id)
    parent = _parent(conn, article_id, data.parent_id)
    body_html = render(data.body)
    _check_links(body_html, settings)
    commenter, new_token = identity.commenter_for(conn, token, data.nic)
    public = not settings.premoderation or identity.let_through(conn, commenter)
    try:
        identity.claim_nic(conn, data.nic, commenter.id)
        comment = _store(conn, article_id, data, commenter.id, parent, body_html,
                         public=public)
        followed = _request_mail(conn, outbox, session, settings, data, commenter.id,
                                 comment, article)
        if public:
            announce(session, outbox, CommentCreated(
                comment_id=comment.id, article_id=article_id, article_title=article.title,
                article_url=article.url, parent_id=comment.parent_id,
                commenter_id=commenter.id, nic=comment.nic, body_html=body_html,
                created_at=comment.created_at,
                parent_wants_replies=bool(parent and parent.notify_replies),
                thread_followed=followed), counted=True)
        written(session, article_id)
        session.commit()
    except IntegrityError:  # another commenter took the nic a moment ago
        session.rollback()
        raise Conflict(f"the nic {data.nic!r} belongs to another commenter") from None
    return comment, new_token


def _open_article(conn: Connection, article_id: int) -> Row[Any]:
    """The article to comment on: known, not retracted (NotFound), and open (Forbidden)."""
    article = sql.one(conn, sql.ARTICLE, article_id=article_id)
    if article is None or article.retracted:
        raise NotFound(f"no article {article_id} to comment on")
    if not is_open(article):
        raise Forbidden(CLOSED)
    return article


def _store(conn: Connection, article_id: int, data: CommentCreate, commenter_id: int,
           parent: Row[Any] | None, body_html: str, *, public: bool) -> CommentPublic:
    """The new comment (public, or waiting for approval), in its place in the thread, with
    its number there, counted as its commenter's (and, if public, in the article's count)."""
    status = CommentStatus.visible if public else CommentStatus.pending
    website = str(data.website) if data.website else None
    created_at = utcnow()
    comment_id = sql.new_id(
        conn, sql.NEW_COMMENT, article_id=article_id, parent_id=data.parent_id, path="",
        depth=0, commenter_id=commenter_id, nic=data.nic, nic_key=nic_keys(data.nic).key,
        number=0, website=website, body=data.body,
        body_html=body_html, status=status, created_at=created_at, edited_at=None,
        notify_replies=bool(data.email and data.notify_replies))
    sql.COUNT_COMMENTER.run(conn, {"commenter_id": commenter_id})
    number = sql.NUMBER.first(conn, {"article": article_id, "delta": int(public)}).last_number
    path, depth = place_in_thread(comment_id, parent)
    sql.PLACE.run(conn, {"comment_id": comment_id, "place": path, "level": depth,
                         "numbered": number})
    return CommentPublic(id=comment_id, article_id=article_id, parent_id=data.parent_id,
                         depth=depth, number=number, nic=data.nic, website=website,
                         body_html=body_html, created_at=created_at, edited_at=None,
                         status=status)


def _request_mail(conn: Connection, outbox: Outbox, session: Session,
                  settings: CommentsSettings, data: CommentCreate, commenter_id: int,
                  comment: CommentPublic, article: Row[Any]) -> bool:
    """Ask notify, by `subscription.requested`, for the e-mail the commenter wants (of
    replies, of the whole thread), if any; an article with a follower is marked so. Whether
    it has one now."""
    wants_replies = bool(data.email and data.notify_replies)
    wants_thread = bool(data.email and data.follow_thread)
    if wants_replies or wants_thread:
        outbox.add(session, SubscriptionRequested(
            comment_id=comment.id, article_id=comment.article_id,
            commenter_id=commenter_id, nic=comment.nic,
            sealed=_sealed(settings, str(data.email), comment.id),
            replies=wants_replies, follow_thread=wants_thread))
    if wants_thread and not article.followed:
        sql.FOLLOWED.run(conn, {"article": comment.article_id})
    return bool(article.followed or wants_thread)


def _sealed(settings: CommentsSettings, email: str, comment_id: int) -> str:
    """The address sealed for notify alone: the outbox row, the broker and their files
    hold only this."""
    if not settings.notify_public_key:
        raise Unavailable("reply e-mail is not set up here (no public key of the notify "
                          "service, BURG_COMMENTS_NOTIFY_PUBLIC_KEY)")
    return seal(settings.notify_public_key, {"email": email},
                SubscriptionRequested.context(comment_id))


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


def _parent(conn: Connection, article_id: int, parent_id: int | None) -> Row[Any] | None:
    if parent_id is None:
        return None
    parent = sql.one(conn, sql.PARENT, id=parent_id)
    if parent is None or parent.article_id != article_id or parent.status not in (
            CommentStatus.visible, CommentStatus.pending):
        raise NotFound(f"no comment {parent_id} on article {article_id} to reply to")
    return parent


def place_in_thread(comment_id: int, parent: Row[Any] | None) -> tuple[str, int]:
    """The comment's place in thread order, its path and depth: its parent's path plus its
    own key. Replies deeper than MAX_DEPTH sort as their parent's siblings, keeping paths
    short."""
    key = format(comment_id, "08x")
    if parent is None:
        return key, 0
    if parent.depth < MAX_DEPTH:
        return f"{parent.path}/{key}", parent.depth + 1
    return f"{parent.path.rsplit('/', 1)[0]}/{key}", parent.depth


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
