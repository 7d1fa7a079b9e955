"""What the comments service keeps of other services' data, from their events: each
article's commentability, and the editors' token hashes."""

from datetime import datetime

from sqlalchemy import delete, or_
from sqlmodel import Session, col

from services.comments.models import ArticleReplica, EditorReplica, Nic
from services.comments.nics import stored_nic_keys
from shared.events import (
    ArticlePublished,
    ArticleRetracted,
    EditorAuthorized,
    EditorRevoked,
)


def on_article_published(session: Session, event: ArticlePublished) -> None:
    """Keep the replica of a published (or updated) article: title, link, closing time; unless
    a newer state of it is already here."""
    article = session.get(ArticleReplica, event.article_id) or ArticleReplica(
        article_id=event.article_id, slug=event.slug, title=event.title, url=event.url)
    if _older(event.updated_at, article):
        return
    article.slug, article.title, article.url = event.slug, event.title, event.url
    article.imported_from = event.imported_from
    article.comments_close_at, article.retracted = event.comments_close_at, False
    article.updated_at = event.updated_at
    session.add(article)


def on_article_retracted(session: Session, event: ArticleRetracted) -> None:
    """A retracted article takes its thread out of public reads and takes no comments. Come
    before its publication, the retraction is kept (as a bare replica) so that the older
    publication is ignored when it arrives."""
    article = session.get(ArticleReplica, event.article_id) or ArticleReplica(
        article_id=event.article_id, slug="", title="", url="")
    if event.retracted_at is not None and _older(event.retracted_at, article):
        return
    article.retracted, article.updated_at = True, event.retracted_at or article.updated_at
    session.add(article)


def _older(moment: datetime, article: ArticleReplica) -> bool:
    """Whether an event's state (as of `moment`) is older than what the replica holds."""
    return article.updated_at is not None and moment < article.updated_at


def on_editor_authorized(session: Session, event: EditorAuthorized) -> None:
    """An editor's new token moderates from now on, their older one no longer does; unless a
    newer change of theirs is already here. Their nic is theirs: a commenter who held it, or
    one like it, no longer does."""
    editor = _editor(session, event.nic)
    if event.version < editor.version:
        return
    editor.token_hash, editor.revoked, editor.version = event.token_hash, False, event.version
    session.add(editor)
    keys = stored_nic_keys(event.nic)
    session.execute(delete(Nic).where(or_(
        col(Nic.key) == keys.key, col(Nic.skeleton) == keys.skeleton,
        col(Nic.skeleton_cased) == keys.skeleton_cased)))


def on_editor_revoked(session: Session, event: EditorRevoked) -> None:
    """The editor's token stops moderating; unless a newer change of theirs is already here.
    Come before the token it revokes, the revocation is kept, so that the older token is
    ignored when it arrives."""
    editor = _editor(session, event.nic)
    if event.version < editor.version:
        return
    editor.revoked, editor.version = True, event.version
    session.add(editor)


def _editor(session: Session, nic: str) -> EditorReplica:
    return session.get(EditorReplica, nic) or EditorReplica(nic=nic)
