"""The search service's tables (one row per searchable article or comment, beside the
full-text index the migrations make for the database in use) and its API's shapes."""

from datetime import datetime
from typing import Literal

from sqlalchemy import BigInteger, Index, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

Kind = Literal["article", "comment"]


class SearchTable(SQLModel, registry=registry()):
    """Base of this service's tables: their own metadata, apart from other services'."""


class SearchDoc(SearchTable, table=True):
    """An article or a public comment as search shows it. `id` orders by time (see
    `index.doc_id`) and is the full-text index's row id, so "newest first" is the index's own
    order, read backwards."""

    __table_args__ = (Index("ix_searchdoc_kind_ref", "kind", "ref_id", unique=True),)

    id: int = Field(primary_key=True, sa_type=BigInteger,
                    sa_column_kwargs={"autoincrement": False})
    kind: str = Field(max_length=16)
    ref_id: int  # the article's or the comment's id in its own service
    article_id: int = Field(index=True)
    heading: str  # what is indexed as a title: an article's; empty for a comment
    title: str  # shown: the article's title (a comment's article's)
    nic: str  # who posted the article, or wrote the comment
    url: str  # the article's page
    body: str = Field(sa_type=Text)  # plain text, as indexed
    published_at: datetime
    updated_at: datetime  # of the newest state seen: an older event arriving later is ignored


class SearchGone(SearchTable, table=True):
    """A retracted article or a removed comment: a late event of an older state (two workers
    can finish out of order) must not bring it back into search."""

    kind: str = Field(primary_key=True, max_length=16)
    ref_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    gone_at: datetime


class SearchHit(SQLModel):
    """One result: `title_html` and `snippet_html` are HTML-escaped text with the words
    found in `<mark>`; nothing else in them is markup."""

    kind: Kind
    id: int
    article_id: int
    title: str
    title_html: str
    nic: str
    url: str
    published_at: datetime
    snippet_html: str


class SearchResults(SQLModel):
    """A page of results, best or newest first; `next_page` is None on the last."""

    query: str
    order: Literal["newest", "relevant"]
    page: int
    results: list[SearchHit]
    next_page: int | None


# The full-text index, which the models cannot describe: the migrations make it (FTS5 on
# SQLite, a tsvector column with a GIN index on PostgreSQL) and the schema check skips it.
FTS_TABLE = "search_fts"
SearchTable.metadata.info["unmodelled"] = {
    FTS_TABLE, *(f"{FTS_TABLE}_{shadow}" for shadow in ("data", "idx", "content", "docsize",
                                                        "config")),
    "searchdoc.document", "ix_searchdoc_document"}
