"""The SQL of posting a comment, as SQLAlchemy Core statements built once and run directly.

Posting is the service's busiest write. Through the ORM each of its statements was built,
given a cache key and turned into objects anew, and the session flushed twice: about three
quarters of the API's CPU per comment. These statements are built once, compiled once per
database, and run on the DBAPI cursor of the session's connection, inside its transaction
(`shared/direct.py`: SQLAlchemy's execution cost five times the driver's); rows come back as
named tuples. The ORM still serves the other use cases, where clarity costs nothing that
matters.
"""

from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Table,
    bindparam,
    cast,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)

from services.comments.models import CommentsTable, CommentStatus
from shared.direct import Direct

_tables = CommentsTable.metadata.tables
_article: Table = _tables["articlereplica"]
_commenter: Table = _tables["commenter"]
_nic: Table = _tables["nic"]
_editor: Table = _tables["editorreplica"]
_comment: Table = _tables["comment"]

ARTICLE = Direct(select(
    _article.c.retracted, _article.c.comments_close_at, _article.c.title, _article.c.url,
    _article.c.followed).where(_article.c.article_id == bindparam("article_id")))
PARENT = Direct(select(
    _comment.c.article_id, _comment.c.status, _comment.c.path, _comment.c.depth,
    _comment.c.notify_replies).where(_comment.c.id == bindparam("id")))
COMMENTER = Direct(select(_commenter.c.id, _commenter.c.banned, _commenter.c.approved).where(
    _commenter.c.token_hash == bindparam("token_hash")))
NEW_COMMENTER = Direct(insert(_commenter).returning(_commenter.c.id))
# Whether pre-moderation lets a commenter through (see identity.let_through).
HAS_PUBLIC = Direct(select(literal(1)).where(
    _comment.c.commenter_id == bindparam("commenter_id"),
    _comment.c.status == CommentStatus.visible).limit(1))
APPROVE = Direct(update(_commenter).where(
    _commenter.c.id == bindparam("commenter_id")).values(approved=True))
# What a nic claimed may clash with, in one read: every editor's nic (compared in Python, by
# keys of nics not checked as commenters' are: identity.editor_like), without a commenter;
# and the commenters' nics that share one of its keys.
NIC_CLASHES = Direct(union_all(
    select(_editor.c.nic, cast(null(), String).label("key"),
           cast(null(), Integer).label("commenter_id")),
    select(_nic.c.nic, _nic.c.key, _nic.c.commenter_id).where(or_(
        _nic.c.key == bindparam("key"), _nic.c.skeleton == bindparam("skeleton"),
        _nic.c.skeleton_cased == bindparam("skeleton_cased")))))
NEW_NIC = Direct(insert(_nic))
NEW_COMMENT = Direct(insert(_comment).returning(_comment.c.id))
# Its place in the thread needs its id (posting._place), its number the next below.
PLACE = Direct(update(_comment).where(_comment.c.id == bindparam("comment_id")).values(
    path=bindparam("place"), depth=bindparam("level"), number=bindparam("numbered")))
# (A bound value of an UPDATE must not take a column's name.)
# Counts as sums in SQL: concurrent posts never lose one.
COUNT_COMMENTER = Direct(update(_commenter).where(
    _commenter.c.id == bindparam("commenter_id")).values(
    comment_count=_commenter.c.comment_count + 1))
COUNT_ARTICLE = update(_article).where(_article.c.article_id == bindparam("article")).values(
    comment_count=_article.c.comment_count + bindparam("delta"))
# The comment's number in its thread, and the count if it is public, in one statement: the
# row lock it takes (PostgreSQL), or the one writer (SQLite), keeps numbers from repeating.
# Taken after the commenter's row (COUNT_COMMENTER), as approving takes them: no deadlock.
NUMBER = Direct(update(_article).where(_article.c.article_id == bindparam("article")).values(
    last_number=_article.c.last_number + 1,
    comment_count=_article.c.comment_count + bindparam("delta")
).returning(_article.c.last_number))
FOLLOWED = Direct(update(_article).where(
    _article.c.article_id == bindparam("article")).values(followed=True))


def one(conn: Connection, statement: Direct, **params: Any) -> Any:
    """The first row `statement` reads with `params`, if any."""
    return statement.first(conn, params)


def new_id(conn: Connection, statement: Direct, **values: Any) -> int:
    """The id of the row `statement` inserts with `values` (it returns it)."""
    return int(statement.first(conn, values).id)
