"""Keep the index in step with the events: an article or a public comment is indexed as it
is published, edited or restored, and leaves the index in the transaction that handles its
retraction or removal."""

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from services.search import fts
from services.search.models import SearchDoc, SearchGone
from services.search.text import plain, searchable
from shared.events import (
    ArticlePublished,
    ArticleRetracted,
    CommentCreated,
    CommentEdited,
    CommentRemoved,
    CommentRestored,
    utcnow,
)


def doc_id(kind: str, ref_id: int, published_at: datetime) -> int:
    """An id that sorts documents by time (milliseconds since 1970, times 2048), unique
    unless two documents of a kind were published in the same millisecond with ids 1024
    apart (`_free_id` moves the later one on by one)."""
    millis = int(published_at.timestamp() * 1000)
    return millis * 2048 + (1024 if kind == "comment" else 0) + ref_id % 1024


def find(session: Session, kind: str, ref_id: int) -> SearchDoc | None:
    """The indexed document of this article or comment, if any."""
    return session.exec(select(SearchDoc).where(
        col(SearchDoc.kind) == kind, col(SearchDoc.ref_id) == ref_id)).first()


def put(session: Session, doc: SearchDoc) -> None:
    """Index `doc` in place of what was indexed for the same article or comment."""
    remove(session, doc.kind, doc.ref_id)
    doc.id = _free_id(session, doc.id)
    session.add(doc)
    fts.add(session, doc)


def remove(session: Session, kind: str, ref_id: int) -> None:
    """Take an article or a comment out of the index (nothing if it is not in)."""
    if (doc := find(session, kind, ref_id)) is not None:
        fts.drop(session, [doc.id])
        session.delete(doc)
        session.flush()


def _free_id(session: Session, wanted: int) -> int:
    while session.get(SearchDoc, wanted) is not None:
        wanted += 1
    return wanted


def _gone(session: Session, kind: str, ref_id: int) -> SearchGone | None:
    return session.get(SearchGone, (kind, ref_id))


def on_article_published(session: Session, event: ArticlePublished) -> None:
    """Index a published or updated article (its comments show its title: renamed too). An
    event older than what the index holds, or than the article's retraction, is ignored."""
    gone = _gone(session, "article", event.article_id)
    if gone is not None and gone.gone_at >= event.updated_at:
        return
    held = find(session, "article", event.article_id)
    if held is not None and held.updated_at > event.updated_at:
        return
    if gone is not None:
        session.delete(gone)
    title = searchable(event.title)
    put(session, SearchDoc(
        id=doc_id("article", event.article_id, event.published_at), kind="article",
        ref_id=event.article_id, article_id=event.article_id, heading=title, title=title,
        nic=event.posted_by, url=event.url, body=plain(event.body_html),
        published_at=event.published_at, updated_at=event.updated_at))
    session.exec(update(SearchDoc).where(
        col(SearchDoc.article_id) == event.article_id, col(SearchDoc.kind) == "comment",
        col(SearchDoc.title) != title).values(title=title, url=event.url))


def on_article_retracted(session: Session, event: ArticleRetracted) -> None:
    """The article and its comments leave the index at once; a later event of an older
    state cannot bring the article back."""
    at = event.retracted_at or utcnow()
    docs = session.exec(select(SearchDoc).where(
        col(SearchDoc.article_id) == event.article_id)).all()
    fts.drop(session, [doc.id for doc in docs])
    for doc in docs:
        session.delete(doc)
    gone = _gone(session, "article", event.article_id)
    if gone is None:
        session.add(SearchGone(kind="article", ref_id=event.article_id, gone_at=at))
    else:
        gone.gone_at = max(gone.gone_at, at)


def on_comment_created(session: Session, event: CommentCreated) -> None:
    """Index a new public comment, unless it (or its article) left search meanwhile."""
    if (_gone(session, "comment", event.comment_id)
            or _gone(session, "article", event.article_id)):
        return
    _put_comment(session, event)


def on_comment_restored(session: Session, event: CommentRestored) -> None:
    """An editor restored a hidden comment: it is found again."""
    if (gone := _gone(session, "comment", event.comment_id)) is not None:
        session.delete(gone)
    if _gone(session, "article", event.article_id) is None:
        _put_comment(session, event)


def _put_comment(session: Session, event: CommentCreated) -> None:
    put(session, SearchDoc(
        id=doc_id("comment", event.comment_id, event.created_at), kind="comment",
        ref_id=event.comment_id, article_id=event.article_id, heading="",
        title=searchable(event.article_title), nic=event.nic, url=event.article_url,
        body=plain(event.body_html), published_at=event.created_at,
        updated_at=event.created_at))


def on_comment_edited(session: Session, event: CommentEdited) -> None:
    """Index an edited comment's new text (a removed one stays out; an older edit arriving
    after a newer one changes nothing)."""
    held = find(session, "comment", event.comment_id)
    if held is None or held.updated_at >= event.edited_at:
        return
    put(session, SearchDoc(**(held.model_dump() | {
        "body": plain(event.body_html), "updated_at": event.edited_at})))


def on_comment_removed(session: Session, event: CommentRemoved) -> None:
    """A hidden or deleted comment leaves the index at once, and stays out until restored."""
    remove(session, "comment", event.comment_id)
    if _gone(session, "comment", event.comment_id) is None:
        session.add(SearchGone(kind="comment", ref_id=event.comment_id, gone_at=utcnow()))
