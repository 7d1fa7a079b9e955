"""The SQL of posting a comment, as SQLAlchemy Core statements built once.

Posting is the service's busiest write. Through the ORM each of its statements was built,
given a cache key and turned into objects anew, and the session flushed twice: about three
quarters of the API's CPU per comment. These statements are built once (their cache keys with
them) and run on the session's connection, inside its transaction; rows come back as tuples.
The ORM still serves the other use cases, where clarity costs nothing that matters.
"""

from typing import Any

from sqlalchemy import Connection, Row, Table, bindparam, insert, literal, or_, select, update

from services.comments.models import CommentsTable, CommentStatus

_tables = CommentsTable.metadata.tables
_article: Table = _tables["articlereplica"]
_commenter: Table = _tables["commenter"]
_nic: Table = _tables["nic"]
_editor: Table = _tables["editorreplica"]
_comment: Table = _tables["comment"]

ARTICLE = select(_article.c.retracted, _article.c.comments_close_at, _article.c.title,
                 _article.c.url, _article.c.followed
                 ).where(_article.c.article_id == bindparam("article_id"))
PARENT = select(_comment.c.article_id, _comment.c.status, _comment.c.path, _comment.c.depth,
                _comment.c.notify_replies).where(_comment.c.id == bindparam("id"))
COMMENTER = select(_commenter.c.id, _commenter.c.banned, _commenter.c.approved
                   ).where(_commenter.c.token_hash == bindparam("token_hash"))
NEW_COMMENTER = insert(_commenter)
# Whether pre-moderation lets a commenter through (see identity.let_through).
HAS_PUBLIC = select(literal(1)).where(_comment.c.commenter_id == bindparam("commenter_id"),
                                      _comment.c.status == CommentStatus.visible).limit(1)
APPROVE = update(_commenter).where(_commenter.c.id == bindparam("commenter_id")
                                   ).values(approved=True)
EDITOR_NICS = select(_editor.c.nic)
NIC_HOLDERS = select(_nic.c.key, _nic.c.nic, _nic.c.commenter_id).where(or_(
    _nic.c.key == bindparam("key"), _nic.c.skeleton == bindparam("skeleton"),
    _nic.c.skeleton_cased == bindparam("skeleton_cased")))
NEW_NIC = insert(_nic)
NEW_COMMENT = insert(_comment)
# Its place in the thread needs its id (posting._place), its number the next below.
PLACE = update(_comment).where(_comment.c.id == bindparam("comment_id")).values(
    path=bindparam("place"), depth=bindparam("level"), number=bindparam("numbered"))
# (A bound value of an UPDATE must not take a column's name.)
# Counts as sums in SQL: concurrent posts never lose one.
COUNT_COMMENTER = update(_commenter).where(_commenter.c.id == bindparam("commenter_id")
                                           ).values(comment_count=_commenter.c.comment_count + 1)
COUNT_ARTICLE = update(_article).where(_article.c.article_id == bindparam("article")).values(
    comment_count=_article.c.comment_count + bindparam("delta"))
# The comment's number in its thread, and the count if it is public, in one statement: the
# row lock it takes (PostgreSQL), or the one writer (SQLite), keeps numbers from repeating.
# Taken after the commenter's row (COUNT_COMMENTER), as approving takes them: no deadlock.
NUMBER = update(_article).where(_article.c.article_id == bindparam("article")).values(
    last_number=_article.c.last_number + 1,
    comment_count=_article.c.comment_count + bindparam("delta")
).returning(_article.c.last_number)
FOLLOWED = update(_article).where(_article.c.article_id == bindparam("article")
                                  ).values(followed=True)


def one(conn: Connection, statement: Any, **params: Any) -> Row[Any] | None:
    """The first row `statement` reads with `params`, if any."""
    return conn.execute(statement, params).first()


def new_id(conn: Connection, statement: Any, **values: Any) -> int:
    """The id of the row `statement` inserts with `values`."""
    key = conn.execute(statement, values).inserted_primary_key
    assert key is not None
    return int(key[0])
