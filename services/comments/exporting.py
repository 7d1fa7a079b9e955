"""Everything public the comments service holds, for an export (`GET /api/comments/export`):
the comments every reader sees, with their threading, and the nics they were posted under.

A comment taken down (hidden, deleted, waiting for approval) is left out, unless a public
reply hangs below it: then it is exported as the thread shows it, a placeholder (`removed`:
its id, place and time; no nic, website or text), so that its replies keep their parent and
an import gives the same page. Comments on retracted articles are not public: left out.

As with the posts service's export, the answer is lines of JSON (NDJSON), written as they are
read in batches, each batch in a session of its own: `{"comment": …}` lines in thread order,
article by article (by article id), then `{"nic": …}` lines, then one
`{"end": {"comments": n, "nics": m}}` line; a stream without it was cut short."""

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, false, or_
from sqlmodel import Session, SQLModel, col, select

from services.comments.models import ArticleReplica, Comment, CommentStatus, Nic
from services.comments.threads import shown_to_anyone

BATCH = 1000  # comments read per session
MEDIA_TYPE = "application/x-ndjson"


class ExportedComment(SQLModel):
    """A comment as an export holds it: its place (article, parent, number in the thread),
    who posted it, its markup (`body`) and the HTML it renders to (`body_html`)."""

    id: int
    article_id: int
    parent_id: int | None
    number: int
    nic: str
    website: str | None
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    removed: bool = False  # a placeholder: taken down, kept for its public replies


class ExportedNic(SQLModel):
    """A nic under which public comments were posted, and when it was first used."""

    nic: str
    first_used_at: datetime


def export_lines(*, sessions: Callable[[], Session], batch: int = BATCH) -> Iterator[str]:
    """The export's lines (each ending in a newline), read as they are written."""
    comments = 0
    place: tuple[int, str] | None = None  # (article, path) of the last comment written
    while True:
        query = (select(Comment).join(ArticleReplica,
                                      col(ArticleReplica.article_id) == col(Comment.article_id))
                 .where(col(ArticleReplica.retracted) == false(), shown_to_anyone()))
        if place is not None:
            article_id, path = place
            query = query.where(or_(col(Comment.article_id) > article_id,
                                    and_(col(Comment.article_id) == article_id,
                                         col(Comment.path) > path)))
        with sessions() as session:
            found = list(session.exec(query.order_by(col(Comment.article_id), col(Comment.path))
                                      .limit(batch)).all())
        for comment in found:
            yield _line("comment", _exported(comment))
        comments += len(found)
        if len(found) < batch:
            break
        place = (found[-1].article_id, found[-1].path)
    nics = 0
    for listed in _nics(sessions, batch):
        yield _line("nic", listed)
        nics += 1
    yield _line("end", None, {"comments": comments, "nics": nics})


def _nics(sessions: Callable[[], Session], batch: int) -> Iterator[ExportedNic]:
    """The nics with a public comment, by their comparison key."""
    public = exists().where(col(Comment.nic_key) == col(Nic.key),
                            col(Comment.status) == CommentStatus.visible)
    after = ""
    while True:
        with sessions() as session:
            found = list(session.exec(select(Nic).where(col(Nic.key) > after, public)
                                      .order_by(col(Nic.key)).limit(batch)).all())
        for nic in found:
            yield ExportedNic(nic=nic.nic, first_used_at=nic.created_at)
        if len(found) < batch:
            return
        after = found[-1].key


def _exported(comment: Comment) -> ExportedComment:
    if comment.status == CommentStatus.visible:
        return ExportedComment.model_validate(comment)
    assert comment.id is not None
    return ExportedComment(id=comment.id, article_id=comment.article_id,
                           parent_id=comment.parent_id, number=comment.number, nic="",
                           website=None, body="", body_html="", created_at=comment.created_at,
                           edited_at=None, removed=True)


def _line(kind: str, record: SQLModel | None, plain: dict[str, Any] | None = None) -> str:
    inner = record.model_dump_json() if record is not None else json.dumps(plain)
    return f'{{"{kind}":{inner}}}\n'
