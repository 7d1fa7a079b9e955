"""The posts service's tables and the shapes its API reads and returns."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, HttpUrl, UrlConstraints, field_validator
from sqlalchemy import false
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.db import stored_as_text
from shared.events import utcnow
from shared.text import fits, one_line, required, text


class PostsTable(SQLModel, registry=registry()):
    """Base of this service's tables: their own metadata, apart from other services'."""


class Editor(PostsTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    nic: str = Field(unique=True, max_length=40)
    token_hash: str = Field(unique=True, max_length=64)  # sha256 of the API token
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    # One more with each change of the token, carried in its event (editor.authorized,
    # editor.revoked) so that consumers apply them in order.
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # May create, rotate and revoke other editors' tokens (the desk's /editor/editors).
    can_manage_editors: bool = Field(default=False,
                                     sa_column_kwargs={"server_default": false()})


class ImportedRecord(PostsTable, table=True):
    """What an import made of a record of another system (a WordPress category or post): an
    import run again, or resumed after a stop, skips the records found here."""

    source: str = Field(primary_key=True, max_length=40)  # "wordpress"
    kind: str = Field(primary_key=True, max_length=20)  # "category", "article"
    source_id: str = Field(primary_key=True, max_length=200)  # its id in the file
    local_id: int


class CategoryBase(SQLModel):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=500)


class Category(PostsTable, CategoryBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=90)


class CategoryCreate(CategoryBase):
    # On what comes in only: a category stored before a rule was added can still be read.
    _lines = field_validator("name")(one_line)
    _required = field_validator("name")(required)
    _text = field_validator("description")(text)


class CategoryUpdate(SQLModel):
    """A rename or a new description; the slug stays, so links and feeds keep working."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=500)

    _lines = field_validator("name")(one_line)
    _required = field_validator("name")(required)
    _text = field_validator("description")(text)


class CategoryPublic(CategoryBase):
    slug: str


class ArticleStatus(StrEnum):
    draft = "draft"
    published = "published"
    retracted = "retracted"


MAX_BODY = 100_000  # characters of article markup; more gets 413


class ArticleBase(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    dateline: date | None = None
    # Where the story comes from, as a news page's dateline says it ("WASHINGTON").
    dateline_place: str = Field(default="", max_length=60,
                                sa_column_kwargs={"server_default": ""})
    source_name: str = Field(default="", max_length=120)
    source_url: str | None = Field(default=None, max_length=2000)
    source_note: str = Field(default="", max_length=300)


class Article(PostsTable, ArticleBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=120)
    category_id: int = Field(foreign_key="category.id", index=True)
    body: str
    body_html: str
    editor_id: int = Field(foreign_key="editor.id")
    posted_by: str = Field(max_length=40)
    status: ArticleStatus = Field(default=ArticleStatus.draft, index=True,
                                  sa_type=stored_as_text(ArticleStatus))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = Field(default=None, index=True)
    comments_close_at: datetime | None = None
    # Where an imported article was published before (its WordPress permalink): the comments
    # of Disqus or Isso threads find it by this address.
    imported_from: str | None = Field(default=None, max_length=2000)


# Links longer than this are refused (the column's size; browsers cope with about as much).
SourceUrl = Annotated[HttpUrl, UrlConstraints(max_length=2000, allowed_schemes=["http", "https"]),
                      AfterValidator(fits(2000))]


class ArticleCreate(ArticleBase):
    category: str = Field(description="slug of the article's category")
    body: str = Field(min_length=1, description=f"site markup, at most {MAX_BODY} characters")
    source_url: SourceUrl | None = None  # type: ignore[assignment]

    _lines = field_validator("title", "dateline_place", "source_name", "source_note",
                             "category")(one_line)
    _required = field_validator("title", "body")(required)
    _text = field_validator("body")(text)


class ArticleUpdate(SQLModel):
    """The fields an editor may change; those left out stay as they are."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    category: str | None = None
    body: str | None = Field(default=None, min_length=1)
    dateline: date | None = None
    dateline_place: str | None = Field(default=None, max_length=60)
    source_name: str | None = Field(default=None, max_length=120)
    source_url: SourceUrl | None = None
    source_note: str | None = Field(default=None, max_length=300)
    comments_close_at: AwareDatetime | None = Field(
        default=None, description="when the comments close (published articles only)")

    _lines = field_validator("title", "dateline_place", "source_name", "source_note",
                             "category")(one_line)
    _required = field_validator("title", "body")(required)
    _text = field_validator("body")(text)

    @field_validator("comments_close_at")
    @classmethod
    def _in_utc(cls, moment: datetime | None) -> datetime | None:
        """The moment in UTC, as stored; one no database keeps (near year 1 or 9999) is
        refused here, naming the field, not by the driver."""
        if moment is None:
            return None
        try:
            utc = moment.astimezone(UTC)
        except OverflowError:
            utc = None
        if utc is None or not 1970 <= utc.year <= 9998:
            raise ValueError("a moment between the years 1970 and 9998")
        return utc


class ArticlePublic(ArticleBase):
    id: int
    slug: str
    url: str
    category: CategoryPublic
    summary: str  # the opening words as plain text, without markup
    body_html: str
    posted_by: str
    status: ArticleStatus
    published_at: datetime | None
    updated_at: datetime
    comments_close_at: datetime | None
    comments_open: bool


class ArticleDraft(ArticlePublic):
    """What editors see: the public shape plus the markup they wrote."""

    body: str


class DeskArticle(SQLModel):
    """An article as the editors' desk lists it: what it is, where it stands, and when its
    comments close (a retracted one's `updated_at` is when it was retracted)."""

    id: int
    slug: str
    title: str
    category: CategoryPublic
    status: ArticleStatus
    posted_by: str
    dateline: date | None
    dateline_place: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    comments_close_at: datetime | None
    comments_open: bool


class DeskArticles(SQLModel):
    data: list[DeskArticle]
    page: int
    pages: int
    total: int


class ArticlesPublic(SQLModel):
    data: list[ArticlePublic]
    next_cursor: str | None = None
    # Asked for by number (`page`): which page this is, of how many, of how many articles.
    page: int | None = None
    pages: int | None = None
    total: int | None = None


class ArticleLink(SQLModel):
    """Enough of another article to link to it."""

    slug: str
    title: str
    url: str
    published_at: datetime


class Neighbours(SQLModel):
    """The articles published just before (`older`) and just after (`newer`) one, site-wide
    and within its category; None at either end."""

    older: ArticleLink | None = None
    newer: ArticleLink | None = None
    older_in_category: ArticleLink | None = None
    newer_in_category: ArticleLink | None = None


class ArticleRead(ArticlePublic):
    """One article as its page shows it: with its neighbours, so that its ETag changes when
    they do."""

    neighbours: Neighbours


class Period(SQLModel):
    """A year, a month of it, or a day of that (UTC), as the archive names them."""

    year: int
    month: int | None = None
    day: int | None = None


class PeriodCount(Period):
    count: int


class ArchivePublic(SQLModel):
    """The published articles of a period, a page of them, newest first, with the nearest
    periods before and after it that have articles, and the counts of its parts (the months of
    a year, the days of a month or of a day's month) and of every year."""

    period: Period
    start: datetime
    end: datetime | None  # None: the end of time (the year 9999)
    data: list[ArticlePublic]
    page: int
    pages: int
    total: int
    older: Period | None
    newer: Period | None
    parts: list[PeriodCount]
    years: list[PeriodCount]


class EditorPublic(SQLModel):
    nic: str
    can_manage_editors: bool = False


class EditorListed(SQLModel):
    """An editor as the list of editors shows it: never the token or its hash."""

    nic: str
    can_manage_editors: bool
    created_at: datetime
    revoked_at: datetime | None


class EditorToken(SQLModel):
    """A new token, answered once: only its hash is kept."""

    nic: str
    can_manage_editors: bool
    token: str


class EditorCreate(SQLModel):
    """An editor's nic, as the command line and `POST /editors` take it: one line, like every
    other nic; and whether the new editor may manage editors in turn."""

    nic: str = Field(min_length=1, max_length=40)
    can_manage_editors: bool = False

    _lines = field_validator("nic")(one_line)
    _required = field_validator("nic")(required)


class EditorRight(SQLModel):
    """Whether an editor may manage editors, as `POST /editors/<nic>/right` sets it."""

    can_manage_editors: bool


class Preview(SQLModel):
    body: str = Field(min_length=1, max_length=MAX_BODY)

    _text = field_validator("body")(text)


class PreviewPublic(SQLModel):
    body_html: str
