"""The comments service's tables and the shapes its API reads and returns.

No table holds an e-mail address: an address given with a comment goes straight into the
`subscription.requested` event for the notify service, sealed so that only notify can read it
(personal data goes only where it is needed: docs/architecture.md, "Events").
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Path
from pydantic import (
    AfterValidator,
    EmailStr,
    HttpUrl,
    UrlConstraints,
    field_validator,
    model_validator,
)
from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.comments.nics import nic_keys
from shared.api import MAX_ID
from shared.db import stored_as_text
from shared.events import utcnow
from shared.text import OneLine, fits, mail_address, one_line, required, text


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
    # The article's updated_at in the newest event applied: with several workers an older
    # event may arrive later, and is ignored.
    updated_at: datetime | None = None
    comment_count: int = 0  # public comments, kept as they come and go
    followed: bool = False  # someone asked for e-mail about every new comment here
    last_number: int = 0  # the number the thread's newest comment got (#1, #2, …)
    # Where an imported article was published before: imported threads find it by this.
    imported_from: str | None = None


class ImportedRecord(CommentsTable, table=True):
    """What an import made of a record of another system (a WordPress, Disqus or Isso
    comment, an author): an import run again, or resumed after a stop, skips the records
    found here."""

    source: str = Field(primary_key=True, max_length=40)  # "wordpress", "disqus", "isso"
    kind: str = Field(primary_key=True, max_length=20)  # "comment", "commenter"
    source_id: str = Field(primary_key=True, max_length=200)  # its id in the file
    local_id: int


class EditorReplica(CommentsTable, table=True):
    """An editor as the posts service's events tell of them: their token's hash (the same
    token moderates here), and the version of the newest event applied."""

    nic: str = Field(primary_key=True, max_length=40)
    token_hash: str | None = Field(default=None, unique=True, max_length=64)
    revoked: bool = False
    # Set by the posts service, one more with each change of the editor's token: with several
    # workers (or a retry) an older event may come after a newer one, and is ignored.
    version: int = 0


class Commenter(CommentsTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)  # sha256 of the commenter token
    original_nic: str = Field(max_length=40)
    comment_count: int = 0  # "You have commented N times"
    approved: bool = False  # had a comment approved (or posted without pre-moderation)
    banned: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    # sha256 of the commenter's recovery code (recovery.py), if they made one.
    recovery_hash: str | None = Field(default=None, unique=True, index=True, max_length=64)


class RecoveryLink(CommentsTable, table=True):
    """A one-time code that notify e-mailed to an address the commenter gave and confirmed
    (`recovery.py`): it works like their recovery code, once, until `expires_at`, and
    leaves that code alone until it is used. Only its SHA-256 is kept."""

    code_hash: str = Field(primary_key=True, max_length=64)
    commenter_id: int = Field(foreign_key="commenter.id", index=True)
    expires_at: datetime


class Nic(CommentsTable, table=True):
    """A nic belongs to the commenter who used it first; no other may use it, nor one that
    looks like it (see `nics`: `key` is its RFC 8266 comparison form, the skeletons how it
    looks)."""

    __table_args__ = (UniqueConstraint("skeleton", name="uq_nic_skeleton"),
                      UniqueConstraint("skeleton_cased", name="uq_nic_skeleton_cased"))

    key: str = Field(primary_key=True, max_length=40)
    nic: str = Field(max_length=40)
    commenter_id: int = Field(foreign_key="commenter.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    skeleton: str = Field(max_length=160)
    skeleton_cased: str = Field(max_length=160)


class CommentStatus(StrEnum):
    visible = "visible"
    pending = "pending"  # waits for an editor's approval; only its author sees it
    hidden = "hidden"  # by an editor; can be restored
    deleted = "deleted"  # by its author or an editor; for good
    # Never stored: what a thread shows in place of a comment its reader cannot see (hidden,
    # deleted, another's waiting one) that has replies they can, so that those keep their place.
    removed = "removed"


MAX_DEPTH = 40  # replies deeper than this are shown at this depth (their parent is kept)


class Comment(CommentsTable, table=True):
    # The thread is read in `path` order: each comment's path is its parent's plus its own
    # key, so a page of a thread is one range scan, however long the thread.
    # A nic's page reads its comments newest first: one range of (nic_key, id).
    __table_args__ = (Index("ix_comment_thread", "article_id", "path"),
                      Index("ix_comment_nic", "nic_key", "id"))

    id: int | None = Field(default=None, primary_key=True)
    article_id: int  # the posts service's id: no foreign key across services
    parent_id: int | None = Field(default=None, foreign_key="comment.id", index=True)
    # Compared byte by byte on every database ("C"), whatever PostgreSQL's default collation.
    path: str = Field(default="", max_length=400, sa_type=String(400).with_variant(
        String(400, collation="C"), "postgresql"))
    depth: int = 0
    commenter_id: int = Field(foreign_key="commenter.id", index=True)
    nic: str = Field(max_length=40)
    nic_key: str = Field(default="", max_length=40)  # the nic's comparison key (nics.py)
    number: int = 0  # in its thread, by order of posting; kept when others are removed
    website: str | None = None
    body: str
    body_html: str
    status: CommentStatus = Field(default=CommentStatus.visible, index=True,
                                  sa_type=stored_as_text(CommentStatus))
    # Whether the author asked for reply e-mails (their address went to notify, not here).
    notify_replies: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None


MAX_COMMENT = 10_000  # characters


class CommentCreate(SQLModel):
    nic: str = Field(min_length=1, max_length=40)
    body: str = Field(min_length=1, max_length=MAX_COMMENT)
    email: EmailStr | None = Field(default=None, max_length=254)
    website: Annotated[HttpUrl, UrlConstraints(max_length=2000),
                       AfterValidator(fits(2000))] | None = None
    notify_replies: bool = False  # e-mail me replies to this comment
    follow_thread: bool = False  # e-mail me every new comment on this article
    parent_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    # A field people never see (the form hides it); bots fill it in, and are refused.
    homepage: str = ""

    _lines = field_validator("nic")(one_line)
    _address = field_validator("email")(mail_address)
    _required = field_validator("nic", "body")(required)
    _text = field_validator("body")(text)

    @model_validator(mode="after")
    def _mail_needs_address(self) -> "CommentCreate":
        if (self.notify_replies or self.follow_thread) and not self.email:
            raise ValueError("email: an address is needed to get e-mail about replies")
        return self

    @field_validator("nic")
    @classmethod
    def _a_nickname(cls, value: str) -> str:
        # No invisible or direction-control characters, only what RFC 8266 allows, and short
        # enough once normalised (ValueError saying which).
        nic_keys(value)
        return value


class CommentEdit(SQLModel):
    body: str = Field(min_length=1, max_length=MAX_COMMENT)

    _required = field_validator("body")(required)
    _text = field_validator("body")(text)


class Preview(SQLModel):
    body: str = Field(min_length=1, max_length=MAX_COMMENT)

    _text = field_validator("body")(text)


class PreviewPublic(SQLModel):
    body_html: str


# A nic in a URL (moderation): what a nic in a comment may be, else a 422 naming it.
NicPath = Annotated[OneLine, Path(min_length=1, max_length=40)]


class CommentPublic(SQLModel):
    id: int
    article_id: int
    parent_id: int | None
    depth: int
    number: int = 0  # #1, #2, … in its thread
    nic: str
    website: str | None
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    # "visible" for everyone; an author sees their own "pending" comment too; in a thread,
    # "removed" is a placeholder (see `removed`).
    status: CommentStatus
    # A placeholder, "This comment was removed.", kept because replies below it are shown: it
    # has its id, place and time, and no nic, website or text (they stay private).
    removed: bool = False


class CommentPosted(SQLModel):
    comment: CommentPublic
    # Returned once, to a first-time commenter: the key to their nics from now on.
    commenter_token: str | None = None


class ThreadPublic(SQLModel):
    article_id: int
    open: bool
    closes_at: datetime | None = None  # when comments close by date, if they do
    count: int  # the public comments (placeholders are not counted)
    comments: list[CommentPublic]
    next_cursor: str | None = None  # pass as `cursor` for the next page
    previous_cursor: str | None = None  # pass as `before` for the page before this one


class CommentPlace(SQLModel):
    """Where a comment stands in its thread: the page of `limit` that holds it."""

    comment_id: int
    article_id: int
    article_slug: str
    article_url: str
    # Pass as `cursor` (with the same `limit`) for the page that holds the comment; None: the
    # first page. These are the pages one gets by following `next_cursor` from the first.
    cursor: str | None
    limit: int
    removed: bool = False  # the comment is shown as a placeholder (its replies are not)


class CommenterPublic(SQLModel):
    """What a commenter may know of themselves (with their token)."""

    comment_count: int
    original_nic: str
    nics: list[str]
    has_recovery_code: bool = False


class CommentsPublic(SQLModel):
    data: list[CommentPublic]


class CountsPublic(SQLModel):
    """Public comment counts by article id (as text: JSON's keys); an article this service
    has not heard of is left out."""

    counts: dict[str, int]


# Tables in modules of their own join this metadata wherever the models are loaded.
from services.comments import audit, flag_models  # noqa: E402,F401
