"""The feeds service's tables (a read model of published articles, and rendered documents)
and the shape of its API's index."""

from datetime import datetime

from sqlalchemy import Index, LargeBinary, Text
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel


class FeedsTable(SQLModel, registry=registry()):
    """Base of this service's tables: their own metadata, apart from other services'."""


class FeedCategory(FeedsTable, table=True):
    """A category as the feeds need it, kept from the posts service's events."""

    slug: str = Field(primary_key=True)
    name: str
    description: str = ""


class FeedArticle(FeedsTable, table=True):
    """A published article as the feeds need it, kept from the posts service's events."""

    article_id: int = Field(primary_key=True)
    slug: str
    url: str
    title: str
    category_slug: str = Field(index=True)
    category_name: str
    posted_by: str
    summary: str
    body_html: str
    published_at: datetime = Field(index=True)
    updated_at: datetime  # of the newest state seen: older events arriving later are ignored
    retracted: bool = False  # kept as a marker, so that a late older event cannot revive it


class FeedComment(FeedsTable, table=True):
    """A public comment as the comment feeds need it, kept from the comments service's events."""

    # An article's newest comments are read straight from this index: by article alone, a
    # render sorted all of the article's comments, ever slower as a busy thread grew.
    __table_args__ = (Index("ix_feedcomment_article_newest", "article_id", "created_at",
                            "comment_id"),)
    comment_id: int = Field(primary_key=True)
    article_id: int
    article_title: str
    article_url: str
    nic: str
    summary: str
    body_html: str
    created_at: datetime = Field(index=True)
    updated_at: datetime


class FeedDocument(FeedsTable, table=True):
    """A rendered feed, served as it is: `path` is its URL below `/feeds/`."""

    path: str = Field(primary_key=True, max_length=300)
    title: str = ""
    content_type: str
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The same bytes gzipped once, when stored: served to clients that accept gzip, so a GET
    # never compresses.
    body_gzip: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    etag: str  # of `body`; the gzip form's is derived from it (see documents.gzip_etag)
    last_modified: datetime
    revision: int = 0  # how many times its bytes changed (the coalescing shows here)


class FeedStale(FeedsTable, table=True):
    """A document to render again: its key (e.g. `category:world`), and a version raised by
    every change that touched it, so a render that raced a change leaves the row behind."""

    key: str = Field(primary_key=True, max_length=300)
    version: int = 1
    since: datetime
    # The latest event that marked it (empty when no event did: a rebuild, a retry), so that
    # a failed render names what it was showing.
    event_id: str = Field(default="", max_length=64)
    event_type: str = Field(default="", max_length=64)
    attempts: int = 0  # renders of it that failed, in a row
    retry_at: datetime | None = None  # after a failure: not tried again before


class FeedRenderFailure(FeedsTable, table=True):
    """A document whose render failed `BURG_FEEDS_RENDER_ATTEMPTS` times in a row, set aside
    so that the rounds stop trying it; the feeds CLI lists it and can put it back. A change
    to what it shows tries it again too; a render that succeeds clears the row."""

    key: str = Field(primary_key=True, max_length=300)
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=64)
    attempts: int
    error: str = Field(sa_type=Text)
    failed_at: datetime


class FeedIndex(SQLModel):
    """Every feed: its title, its path, and the URL of each of its formats (rss, atom, json)."""

    feeds: list[dict[str, str]]
