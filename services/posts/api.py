"""The posts API, under `/api/posts`: editorial writes (editor token) and public reads.

`uvicorn --factory services.posts.api:main` serves it; `create_app(service)` builds it for a
service wired by whoever calls it (a test, with settings of its own)."""

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from services.posts import (
    archive,
    articles,
    browsing,
    categories,
    desk,
    editor_routes,
    exporting,
    reading,
)
from services.posts.bootstrap import Service, bootstrap
from services.posts.deps import EditorDep, ServiceDep, SettingsDep
from services.posts.models import (
    ArchivePublic,
    ArticleCreate,
    ArticleDraft,
    ArticleRead,
    ArticlesPublic,
    ArticleStatus,
    ArticleUpdate,
    CategoryCreate,
    CategoryPublic,
    CategoryUpdate,
    DeskArticles,
    Preview,
    PreviewPublic,
)
from shared.api import SLUG, Id, OutboxDep, SessionDep, service_app
from shared.errors import Invalid
from shared.http import json_with_etag
from shared.markup import render

router = APIRouter(prefix="/api/posts")
# A slug is what slugs.slugify makes (plus "-2"…): anything else names nothing, and is a 422
# naming the parameter before it reaches the database (a NUL there is a driver error).
SlugPath = Annotated[str, Path(pattern=SLUG, max_length=120)]
CategoryQuery = Annotated[str | None, Query(pattern=SLUG, max_length=120)]
# A cursor is what this API handed out (about 50 characters); a longer one is none of them.
Cursor = Annotated[str | None, Query(max_length=200)]
PageQuery = Annotated[int | None, Query(ge=1, le=browsing.MAX_PAGE,
                                        description="a numbered page, from 1")]
Limit = Annotated[int, Query(ge=1, le=100)]
DeskPage = Annotated[int, Query(ge=1, le=browsing.MAX_PAGE, description="from 1")]
# Words of a title: one line of text (a NUL or other control is no title's, and a driver error).
TitleQuery = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
# The archive's periods as the site's addresses write them: 2026, 11, 27.
Year = Annotated[str, Path(pattern=r"^[0-9]{4}$")]
Month = Annotated[str, Path(pattern=r"^[0-9]{2}$")]
Day = Annotated[str, Path(pattern=r"^[0-9]{2}$")]
# Lists change with every article published, edited or retracted: a client revalidates.
LISTED = "public, no-cache"
UNCHANGED: dict[int | str, dict[str, str]] = {
    304: {"description": "the client's copy (If-None-Match) is current"}}


@router.post("/categories", response_model=CategoryPublic, status_code=201)
def create_category(data: CategoryCreate, session: SessionDep, outbox: OutboxDep,
                    _editor: EditorDep):
    """Create a category (editor only); its slug comes from the name, 409 if taken."""
    return categories.create_category(session=session, outbox=outbox, data=data)


@router.get("/categories", response_model=list[CategoryPublic])
def list_categories(session: SessionDep):
    """All categories, by name."""
    return categories.list_categories(session=session)


@router.get("/categories/{slug}", response_model=CategoryPublic)
def get_category(slug: SlugPath, session: SessionDep):
    """One category."""
    return categories.get_category(session=session, slug=slug)


@router.patch("/categories/{slug}", response_model=CategoryPublic)
def update_category(slug: SlugPath, data: CategoryUpdate, session: SessionDep, outbox: OutboxDep,
                    _editor: EditorDep):
    """Rename or describe a category (editor only); the slug stays."""
    return categories.update_category(session=session, outbox=outbox, slug=slug, data=data)


@router.post("/articles", response_model=ArticleDraft, status_code=201)
def create_article(data: ArticleCreate, session: SessionDep, settings: SettingsDep,
                   editor: EditorDep):
    """Create a draft (editor only), posted by the editor's nic; a taken slug gets -2, -3…"""
    article = articles.create_article(session=session, data=data, editor=editor)
    return reading.to_draft(session, article, settings)


@router.get("/articles", response_model=ArticlesPublic, responses=UNCHANGED)
def list_articles(request: Request, session: SessionDep, settings: SettingsDep,
                  category: CategoryQuery = None, cursor: Cursor = None,
                  page: PageQuery = None, limit: Limit = 20) -> Response:
    """Published articles, newest first, site-wide or of one category: pass `next_cursor`
    back as `cursor` for the next page, or ask for a numbered `page` (with `page`, `pages`
    and `total` in the answer; 404 past the last page). A strong ETag: a page whose copy a
    client holds (If-None-Match) is a 304."""
    if page is not None:
        if cursor is not None:
            raise Invalid("page: give either a page or a cursor, not both")
        found, total = browsing.numbered_page(session=session, category=category, page=page,
                                              limit=limit)
        listed = ArticlesPublic(data=[reading.to_public(session, a, settings) for a in found],
                                page=page, pages=browsing.pages_for(total, limit), total=total)
    else:
        articles, next_cursor = reading.list_published(session=session, category=category,
                                                       limit=limit, cursor=cursor)
        listed = ArticlesPublic(data=[reading.to_public(session, a, settings)
                                      for a in articles], next_cursor=next_cursor)
    return json_with_etag(request, listed, cache_control=LISTED)


@router.get("/articles/{slug}", response_model=ArticleRead,
            responses={304: {"description": "the client's copy (If-None-Match) is current"},
                       410: {"description": "retracted: `detail` and `retracted_at`"}})
def get_article(slug: SlugPath, session: SessionDep, settings: SettingsDep,
                request: Request) -> Response:
    """A published article by its slug with its neighbours, and a strong ETag; 410 (with
    `retracted_at`) if it was retracted."""
    article = reading.get_published_article(session=session, slug=slug)
    read = ArticleRead.model_validate(reading.to_public(session, article, settings), update={
        "neighbours": browsing.neighbours(session=session, article=article, settings=settings)})
    return json_with_etag(request, read, cache_control="public, max-age=60")


@router.get("/archive/{year}", response_model=ArchivePublic, responses=UNCHANGED)
def archive_year(request: Request, year: Year, session: SessionDep, settings: SettingsDep,
                 page: PageQuery = None, limit: Limit = 50) -> Response:
    """The articles published in a year (UTC), newest first, with its months' counts."""
    return _archive(request, session, settings, page, limit, archive.period_of(year))


@router.get("/archive/{year}/{month}", response_model=ArchivePublic, responses=UNCHANGED)
def archive_month(request: Request, year: Year, month: Month, session: SessionDep,
                  settings: SettingsDep, page: PageQuery = None, limit: Limit = 50) -> Response:
    """The articles published in a month (UTC), newest first, with its days' counts."""
    return _archive(request, session, settings, page, limit, archive.period_of(year, month))


@router.get("/archive/{year}/{month}/{day}", response_model=ArchivePublic,
            responses=UNCHANGED)
def archive_day(request: Request, year: Year, month: Month, day: Day, session: SessionDep,
                settings: SettingsDep, page: PageQuery = None, limit: Limit = 50) -> Response:
    """The articles published on a day (UTC), newest first, with its month's days' counts."""
    return _archive(request, session, settings, page, limit,
                    archive.period_of(year, month, day))


def _archive(request: Request, session: SessionDep, settings: SettingsDep, page: int | None,
             limit: int, period: archive.Period) -> Response:
    return json_with_etag(request, archive.archive_page(
        session=session, settings=settings, page=page or 1, limit=limit, period=period),
        cache_control=LISTED)


@router.get("/desk/articles", response_model=DeskArticles)
def desk_articles(session: SessionDep, _editor: EditorDep, status: ArticleStatus | None = None,
                  category: CategoryQuery = None, q: TitleQuery = None, page: DeskPage = 1,
                  limit: Limit = 20):
    """Every article, drafts and retracted ones included (editor only): of one `status` and
    `category`, with the words `q` in its title (any case), most recently changed first, in
    numbered pages (`page`, `pages`, `total`; 404 past the last page)."""
    return desk.desk_page(session=session, status=status, category=category, q=q, page=page,
                          limit=limit)


@router.get("/export", response_class=StreamingResponse, responses={200: {
    "description": "one JSON object a line: categories, articles, then the counts",
    "content": {exporting.MEDIA_TYPE: {}}}})
def export(service: ServiceDep, _editor: EditorDep) -> StreamingResponse:
    """Every category and published article (editor only), for a backup or a move: lines of
    JSON, `{"category": …}`, `{"author": {"nic": …}}` (who posted them), then `{"article": …}`
    by id (with its markup and its HTML), then
    `{"end": {"categories": n, "articles": m}}`; a stream without that last line was cut
    short. Written as it is read: ten thousand articles are never held in memory."""
    lines = exporting.export_lines(sessions=service.runtime.sessions, settings=service.settings)
    return StreamingResponse(lines, media_type=exporting.MEDIA_TYPE,
                             headers={"Cache-Control": "no-store"})


@router.get("/articles/by-id/{article_id}", response_model=ArticleDraft)
def get_article_by_id(article_id: Id, session: SessionDep, settings: SettingsDep,
                      _editor: EditorDep):
    """One article by id, drafts and retracted ones included, with its markup (editor only)."""
    article = reading.get_article(session=session, article_id=article_id)
    return reading.to_draft(session, article, settings)


@router.patch("/articles/{article_id}", response_model=ArticleDraft)
def edit_article(article_id: Id, data: ArticleUpdate, session: SessionDep, outbox: OutboxDep,
                 settings: SettingsDep, _editor: EditorDep):
    """Change an article (editor only); a published one tells feeds and comments."""
    article = articles.edit_article(session=session, outbox=outbox, settings=settings,
                                    article_id=article_id, data=data)
    return reading.to_draft(session, article, settings)


@router.post("/articles/{article_id}/publish", response_model=ArticleDraft)
def publish_article(article_id: Id, session: SessionDep, outbox: OutboxDep, settings: SettingsDep,
                    _editor: EditorDep):
    """Publish a draft (editor only); publishing again is no error and emits nothing."""
    article = articles.publish_article(session=session, outbox=outbox, settings=settings,
                                       article_id=article_id)
    return reading.to_draft(session, article, settings)


@router.post("/articles/{article_id}/retract", response_model=ArticleDraft)
def retract_article(article_id: Id, session: SessionDep, outbox: OutboxDep, settings: SettingsDep,
                    _editor: EditorDep):
    """Withdraw a published article from every public read and feed (editor only)."""
    article = articles.retract_article(session=session, outbox=outbox, article_id=article_id)
    return reading.to_draft(session, article, settings)


@router.post("/articles/{article_id}/close-comments", response_model=ArticleDraft)
def close_comments(article_id: Id, session: SessionDep, outbox: OutboxDep, settings: SettingsDep,
                   _editor: EditorDep):
    """Close the article's comments now (editor only)."""
    article = articles.close_comments(session=session, outbox=outbox, settings=settings,
                                      article_id=article_id)
    return reading.to_draft(session, article, settings)


@router.post("/articles/{article_id}/reopen-comments", response_model=ArticleDraft)
def reopen_comments(article_id: Id, session: SessionDep, outbox: OutboxDep, settings: SettingsDep,
                    _editor: EditorDep):
    """Open the article's comments again for the configured number of days (editor only)."""
    article = articles.reopen_comments(session=session, outbox=outbox, settings=settings,
                                       article_id=article_id)
    return reading.to_draft(session, article, settings)


@router.post("/preview", response_model=PreviewPublic)
def preview(data: Preview, _editor: EditorDep):
    """Render article markup as it would be published, storing nothing (editor only)."""
    return PreviewPublic(body_html=render(data.body, commentary=True))


def create_app(service: Service) -> FastAPI:
    """The posts API of `service` (its routes find it through their dependencies)."""
    app = service_app(service, title="Burg posts",
                      description="Categories, articles and their editors.",
                      max_body_bytes=service.settings.max_body_bytes)
    app.include_router(router)
    app.include_router(editor_routes.router)
    app.add_exception_handler(reading.Retracted, _retracted)
    return app


async def _retracted(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, reading.Retracted)
    return JSONResponse({"detail": exc.detail, "retracted_at": exc.retracted_at.isoformat()},
                        status_code=410)


def main() -> FastAPI:
    """The app as uvicorn's `--factory` makes it: the service on the environment's settings."""
    return create_app(bootstrap())
