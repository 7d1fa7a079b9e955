"""Use cases of the comments service: posting and reading threads, and the article replica
that the posts service's events keep up to date."""

import hashlib
import secrets
from collections import defaultdict

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.comments.models import (
    ArticleReplica,
    Comment,
    CommentCreate,
    Commenter,
    CommentPublic,
    Nic,
    ThreadPublic,
)
from shared.errors import Conflict, Forbidden, NotFound, Unauthorized
from shared.events import (
    ArticlePublished,
    ArticleRetracted,
    CommentCreated,
    SubscriptionRequested,
    as_utc,
    utcnow,
)
from shared.markup import render
from shared.outbox import Outbox

CLOSED = "Comments have been closed on this article."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def post_comment(*, session: Session, outbox: Outbox, article_id: int, data: CommentCreate,
                 token: str | None) -> tuple[Comment, str | None]:
    """Post a comment (or a reply) as the commenter holding `token`, or as a new commenter.

    Returns the comment and, for a new commenter, their secret token (shown once).
    Emits `comment.created`, and `subscription.requested` when an e-mail address was given
    with a request for reply notifications.
    """
    article = _open_article(session, article_id)
    parent = None
    if data.parent_id is not None:
        parent = session.get(Comment, data.parent_id)
        if parent is None or parent.article_id != article_id:
            raise NotFound(f"no comment {data.parent_id} on article {article_id} to reply to")
    commenter, new_token = _commenter(session, token)
    wants_replies = bool(data.email and data.notify_replies)
    try:
        _claim_nic(session, data.nic, commenter)
        assert commenter.id is not None
        comment = Comment(article_id=article_id, parent_id=data.parent_id,
                          commenter_id=commenter.id, nic=data.nic, body=data.body,
                          body_html=render(data.body), notify_replies=wants_replies,
                          website=str(data.website) if data.website else None)
        session.add(comment)
        session.flush()
        assert comment.id is not None
        if wants_replies:
            outbox.add(session, SubscriptionRequested(
                comment_id=comment.id, article_id=article_id, commenter_id=commenter.id,
                nic=comment.nic, email=str(data.email)))
        outbox.add(session, CommentCreated(
            comment_id=comment.id, article_id=article_id, article_title=article.title,
            article_url=article.url, parent_id=comment.parent_id, commenter_id=commenter.id,
            nic=comment.nic, body_html=comment.body_html, created_at=comment.created_at,
            parent_wants_replies=bool(parent and parent.notify_replies)))
        session.commit()
    except IntegrityError:  # another commenter took the nic a moment ago
        session.rollback()
        raise Conflict(f"the nic {data.nic!r} belongs to another commenter") from None
    return comment, new_token


def get_thread(*, session: Session, article_id: int) -> ThreadPublic:
    """The comments of an article in thread order (each reply after its parent), with depth."""
    article = session.get(ArticleReplica, article_id)
    if article is None or article.retracted:
        raise NotFound(f"no article {article_id}")
    comments = session.exec(select(Comment).where(Comment.article_id == article_id)
                            .order_by(col(Comment.id))).all()
    children: dict[int | None, list[Comment]] = defaultdict(list)
    for comment in comments:
        children[comment.parent_id].append(comment)
    ordered: list[CommentPublic] = []
    # Depth first with a stack, not recursion: a reply chain may be thousands deep.
    stack = [(child, 0) for child in reversed(children[None])]
    while stack:
        comment, depth = stack.pop()
        ordered.append(CommentPublic.model_validate(comment, update={"depth": depth}))
        stack.extend((child, depth + 1) for child in reversed(children[comment.id]))
    return ThreadPublic(article_id=article_id, open=_is_open(article), count=len(ordered),
                        comments=ordered)


def get_comment(*, session: Session, comment_id: int) -> Comment:
    """One comment by id (NotFound when unknown or its article is retracted)."""
    comment = session.get(Comment, comment_id)
    article = session.get(ArticleReplica, comment.article_id) if comment else None
    if comment is None or article is None or article.retracted:
        raise NotFound(f"no comment {comment_id}")
    return comment


def on_article_published(session: Session, event: ArticlePublished) -> None:
    """Keep the replica of a published (or updated) article: title, link, closing time."""
    article = session.get(ArticleReplica, event.article_id) or ArticleReplica(
        article_id=event.article_id, slug=event.slug, title=event.title, url=event.url)
    article.slug, article.title, article.url = event.slug, event.title, event.url
    article.comments_close_at, article.retracted = event.comments_close_at, False
    session.add(article)


def on_article_retracted(session: Session, event: ArticleRetracted) -> None:
    """A retracted article takes its thread out of public reads and takes no comments."""
    article = session.get(ArticleReplica, event.article_id)
    if article is not None:
        article.retracted = True
        session.add(article)


def _open_article(session: Session, article_id: int) -> ArticleReplica:
    article = session.get(ArticleReplica, article_id)
    if article is None or article.retracted:
        raise NotFound(f"no article {article_id} to comment on")
    if not _is_open(article):
        raise Forbidden(CLOSED)
    return article


def _is_open(article: ArticleReplica) -> bool:
    close_at = article.comments_close_at
    return close_at is None or as_utc(close_at) > utcnow()


def _commenter(session: Session, token: str | None) -> tuple[Commenter, str | None]:
    """The commenter holding `token`, or a new one with its new token."""
    if token:
        commenter = session.exec(select(Commenter)
                                 .where(Commenter.token_hash == _hash(token))).first()
        if commenter is None:
            raise Unauthorized("the commenter token is not valid")
        return commenter, None
    new_token = secrets.token_urlsafe(32)
    commenter = Commenter(token_hash=_hash(new_token))
    session.add(commenter)
    session.flush()
    return commenter, new_token


def _claim_nic(session: Session, nic: str, commenter: Commenter) -> None:
    """Let `commenter` use `nic`: theirs already, or free (then it becomes theirs)."""
    key = nic.casefold()
    owner = session.get(Nic, key)
    if owner is None:
        assert commenter.id is not None
        session.add(Nic(key=key, nic=nic, commenter_id=commenter.id))
    elif owner.commenter_id != commenter.id:
        raise Conflict(f"the nic {nic!r} belongs to another commenter")
