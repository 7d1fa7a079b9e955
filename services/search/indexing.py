"""Keep the index in step with the events: an article or a public comment is indexed as it
is published, edited or restored, and leaves the index in the transaction that handles its
retraction or removal.

New comments are most of the events (every comment posted or imported), so they are indexed
a run at a time: `on_comment_created` queues its comment in the session, and the queue is
indexed with a few statements for all of it (rather than several per comment) before the
transaction commits, or before an event of another type is applied (`in_order`), which then
sees the index as if each comment had been indexed as it came. The statements are SQLAlchemy
Core on the tables: no ORM object is made for a document."""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, delete, insert, literal, or_, select, union_all, update
from sqlalchemy.event import listens_for
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from services.search import fts
from services.search.models import SearchDoc, SearchGone
from services.search.text import plain, searchable
from shared.direct import Direct
from shared.events import (
    ArticlePublished,
    ArticleRetracted,
    CommentCreated,
    CommentEdited,
    CommentRemoved,
    CommentRestored,
    Event,
    utcnow,
)

Doc = dict[str, Any]  # a row of `searchdoc`, by column name
DOCS: Table = SearchDoc.__table__  # type: ignore[attr-defined]
GONE: Table = SearchGone.__table__  # type: ignore[attr-defined]
_QUEUED = "search_comments_queued"  # in session.info: comments created, not yet indexed
E = TypeVar("E", bound=Event)

_INSERT = Direct(insert(DOCS))
_HELD = select(DOCS).where(DOCS.c.kind == bindparam("kind"),
                           DOCS.c.ref_id.in_(bindparam("refs", expanding=True)))
_TAKEN = select(DOCS.c.id).where(DOCS.c.id.in_(bindparam("ids", expanding=True)))
_DELETE = delete(DOCS).where(DOCS.c.id.in_(bindparam("ids", expanding=True)))
_GONE = select(GONE).where(GONE.c.kind == bindparam("kind"), GONE.c.ref_id == bindparam("ref"))
_GONE_OF_COMMENTS = select(GONE.c.kind, GONE.c.ref_id).where(or_(
    (GONE.c.kind == "comment") & GONE.c.ref_id.in_(bindparam("comments", expanding=True)),
    (GONE.c.kind == "article") & GONE.c.ref_id.in_(bindparam("articles", expanding=True))))


def doc_id(kind: str, ref_id: int, published_at: datetime) -> int:
    """An id that sorts documents by time (milliseconds since 1970, times 2048), unique
    unless two documents of a kind were published in the same millisecond with ids 1024
    apart (`put` moves the later one on by one)."""
    millis = int(published_at.timestamp() * 1000)
    return millis * 2048 + (1024 if kind == "comment" else 0) + ref_id % 1024


def held(session: Session, kind: str, ref_ids: Iterable[int]) -> dict[int, Doc]:
    """The indexed documents of these articles or comments, by their `ref_id`."""
    rows = session.execute(_HELD, {"kind": kind, "refs": list(ref_ids)}).mappings()
    return {row["ref_id"]: dict(row) for row in rows}


def put(session: Session, docs: Sequence[Doc]) -> None:
    """Index `docs` (all of one kind) in place of what was indexed for the same articles or
    comments; of two for the same one, the later."""
    if not docs:
        return
    latest = {doc["ref_id"]: doc for doc in docs}
    _drop(session, [doc["id"] for doc in held(session, docs[0]["kind"], latest).values()])
    _free_ids(session, list(latest.values()))
    insert_docs(session, list(latest.values()))


def insert_docs(session: Session, docs: Sequence[Doc]) -> None:
    """Insert documents whose ids are free, into the table and the full-text index."""
    _INSERT.run_many(session.connection(), docs)
    fts.add(session, docs)


def _drop(session: Session, doc_ids: Sequence[int]) -> None:
    """Take these documents out of the index and the table."""
    if doc_ids:
        fts.drop(session, doc_ids)
        session.execute(_DELETE, {"ids": list(doc_ids)})


def _free_ids(session: Session, docs: Sequence[Doc]) -> None:
    """Move each document's id on by one until no other document has it, in order: of two
    wanting one id, the first keeps it."""
    claimed: set[int] = set()
    waiting = list(docs)
    while waiting:
        taken = claimed | set(session.execute(
            _TAKEN, {"ids": [doc["id"] for doc in waiting]}).scalars())
        moved = []
        for doc in waiting:
            if doc["id"] in taken:
                doc["id"] += 1
                moved.append(doc)
            else:
                claimed.add(doc["id"])
                taken.add(doc["id"])
        waiting = moved


def _gone(session: Session, kind: str, ref_id: int) -> datetime | None:
    """When this article or comment left search, if it did (and was not restored)."""
    row = session.execute(_GONE, {"kind": kind, "ref": ref_id}).first()
    return None if row is None else row.gone_at


def _mark_gone(session: Session, kind: str, ref_id: int, at: datetime) -> None:
    """Keep an article or a comment out of search: what came later than `at` may bring it
    back."""
    was = _gone(session, kind, ref_id)
    if was is None:
        session.execute(insert(GONE).values(kind=kind, ref_id=ref_id, gone_at=at))
    elif at > was:
        session.execute(update(GONE).where(GONE.c.kind == kind, GONE.c.ref_id == ref_id)
                        .values(gone_at=at))


def _unmark_gone(session: Session, kind: str, ref_id: int) -> None:
    session.execute(delete(GONE).where(GONE.c.kind == kind, GONE.c.ref_id == ref_id))


def in_order(handler: Callable[[Session, E], None]) -> Callable[[Session, E], None]:
    """A handler that reads or changes the index: the comments queued before its event are
    indexed first."""
    @wraps(handler)
    def after_the_queue(session: Session, event: E) -> None:
        _index_queued(session)
        handler(session, event)
    return after_the_queue


@in_order
def on_article_published(session: Session, event: ArticlePublished) -> None:
    """Index a published or updated article (its comments show its title: renamed too). An
    event older than what the index holds, or than the article's retraction, is ignored."""
    gone_at = _gone(session, "article", event.article_id)
    if gone_at is not None and gone_at >= event.updated_at:
        return
    old = held(session, "article", [event.article_id]).get(event.article_id)
    if old is not None and old["updated_at"] > event.updated_at:
        return
    if gone_at is not None:
        _unmark_gone(session, "article", event.article_id)
    title = searchable(event.title)
    put(session, [{
        "id": doc_id("article", event.article_id, event.published_at), "kind": "article",
        "ref_id": event.article_id, "article_id": event.article_id, "heading": title,
        "title": title, "nic": event.posted_by, "url": event.url,
        "body": plain(event.body_html), "published_at": event.published_at,
        "updated_at": event.updated_at}])
    session.execute(update(DOCS).where(
        DOCS.c.article_id == event.article_id, DOCS.c.kind == "comment",
        DOCS.c.title != title).values(title=title, url=event.url))


@in_order
def on_article_retracted(session: Session, event: ArticleRetracted) -> None:
    """The article and its comments leave the index at once; a later event of an older
    state cannot bring the article back."""
    _drop(session, session.execute(
        select(DOCS.c.id).where(DOCS.c.article_id == event.article_id)).scalars().all())
    _mark_gone(session, "article", event.article_id, event.retracted_at or utcnow())


def on_comment_created(session: Session, event: CommentCreated) -> None:
    """Queue a new public comment, to be indexed (with the others queued) unless it, or its
    article, left search meanwhile."""
    session.info.setdefault(_QUEUED, []).append(event)


# On the Session class, once, rather than on each session that queues (registering two
# listeners cost about 90 µs a message): a session that queued nothing pays a dict lookup.
@listens_for(Session, "before_commit")
def _index_queued(session: Session) -> None:
    """Index the comments queued in `session`, but those that (or whose articles) left
    search."""
    queued: list[CommentCreated] = session.info.get(_QUEUED) or []
    if not queued:
        return
    session.info[_QUEUED] = []
    docs = [_comment(e) for e in queued]
    if _all_new(session, docs):  # the common case: straight in
        insert_docs(session, docs)
        return
    gone = {tuple(row) for row in session.execute(_GONE_OF_COMMENTS, {
        "comments": [e.comment_id for e in queued],
        "articles": [e.article_id for e in queued]})}
    put(session, [doc for doc in docs if ("comment", doc["ref_id"]) not in gone
                  and ("article", doc["article_id"]) not in gone])


# Whether anything stands in a new comment's way: it or its article left search, it is
# indexed already, or its document's id is taken. One statement per comment, run on the
# session's cursor (shared/direct.py): the few comments of a message cost less so than
# through the three statements of the general way (`put`), whose lists of ids SQLAlchemy
# renders anew each time.
_IN_THE_WAY = Direct(union_all(
    select(literal(1)).where(or_(
        (GONE.c.kind == "comment") & (GONE.c.ref_id == bindparam("ref_id")),
        (GONE.c.kind == "article") & (GONE.c.ref_id == bindparam("article_id")))),
    select(literal(1)).where(or_(
        DOCS.c.id == bindparam("id"),
        (DOCS.c.kind == "comment") & (DOCS.c.ref_id == bindparam("ref_id"))))).limit(1))


def _all_new(session: Session, docs: Sequence[Doc]) -> bool:
    """Whether these comments' documents can go straight in: each a comment of its own, on
    an id of its own, nothing in its way (`_IN_THE_WAY`)."""
    if len({doc["id"] for doc in docs}) < len(docs) or len(
            {doc["ref_id"] for doc in docs}) < len(docs):
        return False
    connection = session.connection()
    return not any(_IN_THE_WAY.first(connection, {
        "ref_id": doc["ref_id"], "article_id": doc["article_id"], "id": doc["id"]})
        for doc in docs)


@listens_for(Session, "after_soft_rollback")
def _forget_queued(session: Session, _previous: SessionTransaction) -> None:
    """The transaction rolled back: so do the comments it queued."""
    session.info.pop(_QUEUED, None)


@in_order
def on_comment_restored(session: Session, event: CommentRestored) -> None:
    """An editor restored a hidden comment: it is found again."""
    _unmark_gone(session, "comment", event.comment_id)
    if _gone(session, "article", event.article_id) is None:
        put(session, [_comment(event)])


def _comment(event: CommentCreated) -> Doc:
    return {"id": doc_id("comment", event.comment_id, event.created_at), "kind": "comment",
            "ref_id": event.comment_id, "article_id": event.article_id, "heading": "",
            "title": searchable(event.article_title), "nic": event.nic,
            "url": event.article_url, "body": plain(event.body_html),
            "published_at": event.created_at, "updated_at": event.created_at}


@in_order
def on_comment_edited(session: Session, event: CommentEdited) -> None:
    """Index an edited comment's new text (a removed one stays out; an older edit arriving
    after a newer one changes nothing)."""
    old = held(session, "comment", [event.comment_id]).get(event.comment_id)
    if old is None or old["updated_at"] >= event.edited_at:
        return
    put(session, [old | {"body": plain(event.body_html), "updated_at": event.edited_at}])


@in_order
def on_comment_removed(session: Session, event: CommentRemoved) -> None:
    """A hidden or deleted comment leaves the index at once, and stays out until restored."""
    old = held(session, "comment", [event.comment_id]).get(event.comment_id)
    _drop(session, [old["id"]] if old else [])
    if _gone(session, "comment", event.comment_id) is None:
        session.execute(insert(GONE).values(kind="comment", ref_id=event.comment_id,
                                            gone_at=utcnow()))
