"""The comments service's tables and the shapes its API reads and returns.

No table holds an e-mail address: an address given with a comment goes straight into the
`subscription.requested` event for the notify service (DESIGN.md §3, personal data).
"""

from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, HttpUrl, UrlConstraints, field_validator
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.api import MAX_ID
from shared.events import utcnow
from shared.text import one_line, required, text


class CommentsTable(SQLModel, registry=registry()):
    """Base of this service's tables: their own metadata, apart from other services'."""


class ArticleReplica(CommentsTable, table=True):
    """What this service knows of an article, from the posts service's events."""

    article_id: int = Field(primary_key=True)
    slug: str
    title: str
    url: str
    comments_close_at: datetime | None = None
    retracted: bool = False


class Commenter(CommentsTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)  # sha256 of the commenter token
    created_at: datetime = Field(default_factory=utcnow)


class Nic(CommentsTable, table=True):
    """A nic belongs to the commenter who used it first (`key` is its case-folded form)."""

    key: str = Field(primary_key=True, max_length=40)
    nic: str = Field(max_length=40)
    commenter_id: int = Field(foreign_key="commenter.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Comment(CommentsTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(index=True)  # the posts service's id: no foreign key across services
    parent_id: int | None = Field(default=None, foreign_key="comment.id", index=True)
    commenter_id: int = Field(foreign_key="commenter.id", index=True)
    nic: str = Field(max_length=40)
    website: str | None = None
    body: str
    body_html: str
    # Whether the author asked for reply e-mails (their address went to notify, not here).
    notify_replies: bool = False
    created_at: datetime = Field(default_factory=utcnow)


MAX_COMMENT = 10_000  # characters


class CommentCreate(SQLModel):
    nic: str = Field(min_length=1, max_length=40)
    body: str = Field(min_length=1, max_length=MAX_COMMENT)
    email: EmailStr | None = Field(default=None, max_length=254)
    website: Annotated[HttpUrl, UrlConstraints(max_length=2000)] | None = None
    notify_replies: bool = False
    parent_id: int | None = Field(default=None, ge=1, le=MAX_ID)

    _lines = field_validator("nic")(one_line)
    _required = field_validator("nic", "body")(required)
    _text = field_validator("body")(text)

    @field_validator("nic")
    @classmethod
    def _folds_short(cls, value: str) -> str:
        # Nics are compared case-folded ("ß" → "ss"): the folded form must fit too.
        if len(value.casefold()) > 40:
            raise ValueError("is too long once case-folded (at most 40 characters)")
        return value


class CommentPublic(SQLModel):
    id: int
    article_id: int
    parent_id: int | None
    nic: str
    website: str | None
    body_html: str
    created_at: datetime
    depth: int = 0


class CommentPosted(SQLModel):
    comment: CommentPublic
    # Returned once, to a first-time commenter: the key to their nics from now on.
    commenter_token: str | None = None


class ThreadPublic(SQLModel):
    article_id: int
    open: bool
    count: int
    comments: list[CommentPublic]
