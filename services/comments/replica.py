"""What the comments service keeps of other services' data, from their events: each
article's commentability, and the editors' token hashes."""

from sqlmodel import Session, select

from services.comments.models import ArticleReplica, EditorReplica
from shared.events import ArticlePublished, ArticleRetracted, EditorAuthorized, EditorRevoked


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


def on_editor_authorized(session: Session, event: EditorAuthorized) -> None:
    """An editor's new token moderates from now on; their older one no longer does."""
    for old in session.exec(select(EditorReplica).where(EditorReplica.nic == event.nic)):
        old.revoked = True
        session.add(old)
    editor = session.get(EditorReplica, event.token_hash) or EditorReplica(
        token_hash=event.token_hash, nic=event.nic)
    editor.revoked = False
    session.add(editor)


def on_editor_revoked(session: Session, event: EditorRevoked) -> None:
    """The editor's token stops moderating."""
    for editor in session.exec(select(EditorReplica).where(EditorReplica.nic == event.nic)):
        editor.revoked = True
        session.add(editor)
