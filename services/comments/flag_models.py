"""Readers' reports of comments ("flags"): the table, and the shapes the API reads and returns.

A reader is one flag per comment: `reader` names them (a commenter by id, else a hash of their
address and the comment, which links no two comments' flags to one address). Flags an editor
has dealt with (dismissed, or the comment hidden or restored) keep their row, closed, so that a
reader's second report of the same comment stays a no-op.
"""

from datetime import datetime

from pydantic import field_validator
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.comments.models import CommentPublic, CommentsTable
from shared.events import utcnow
from shared.text import text

MAX_REASON = 500  # characters: a sentence or two for the editors, not a second comment


class CommentFlag(CommentsTable, table=True):
    __table_args__ = (UniqueConstraint("comment_id", "reader", name="uq_commentflag_reader"),
                      Index("ix_commentflag_open", "dismissed_at", "created_at"))

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    article_id: int = Field(index=True)  # the editors' list of one article
    reader: str = Field(max_length=80)  # "commenter:<id>" or "address:<address_hash>"
    # SHA-256 of the comment's id and the reader's address: readers at one address count as
    # one toward holding the comment, whatever commenter tokens they hold.
    address_hash: str = Field(max_length=64)
    reason: str = Field(default="", max_length=MAX_REASON)
    created_at: datetime = Field(default_factory=utcnow)
    dismissed_at: datetime | None = None  # set when an editor dealt with the comment


class FlagCreate(SQLModel):
    reason: str = Field(default="", max_length=MAX_REASON)

    _text = field_validator("reason")(text)

    @field_validator("reason")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()


class FlagReceipt(SQLModel):
    comment_id: int
    # False: this reader had reported the comment already (nothing changed).
    counted: bool


class FlagReason(SQLModel):
    reason: str  # plain text, as the reader typed it: escape it where it is shown
    created_at: datetime


class FlaggedComment(SQLModel):
    """A comment readers reported that no editor has dealt with yet: its open flags."""

    comment: CommentPublic  # status "visible", or "hidden" once held for its flags
    flags: int  # open flags, one per reader
    last_flagged_at: datetime
    reasons: list[FlagReason]  # the non-empty ones, newest first (at most 20)


class FlaggedComments(SQLModel):
    data: list[FlaggedComment]
