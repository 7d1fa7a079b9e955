"""The posts API: editorial writes (editor token) and public reads, under `/api/posts`."""

from fastapi import APIRouter, Query

from services.posts import editorial
from services.posts.bootstrap import runtime, settings
from services.posts.deps import EditorDep, SessionDep
from services.posts.models import (
    ArticleCreate,
    ArticlePublic,
    ArticlesPublic,
    CategoryCreate,
    CategoryPublic,
)
from shared.api import create_app

router = APIRouter(prefix="/api/posts")


@router.post("/categories", response_model=CategoryPublic, status_code=201)
def create_category(data: CategoryCreate, session: SessionDep, _editor: EditorDep):
    """Create a category (editor only)."""
    return editorial.create_category(session=session, data=data)


@router.get("/categories", response_model=list[CategoryPublic])
def list_categories(session: SessionDep):
    """All categories."""
    return editorial.list_categories(session=session)


@router.post("/articles", response_model=ArticlePublic, status_code=201)
def create_article(data: ArticleCreate, session: SessionDep, editor: EditorDep):
    """Create a draft article (editor only); it is posted by the editor's nic."""
    article = editorial.create_article(session=session, data=data, editor=editor)
    return editorial.to_public(session, article, settings)


@router.get("/articles/by-id/{article_id}", response_model=ArticlePublic)
def get_article_by_id(article_id: int, session: SessionDep, _editor: EditorDep):
    """One article by id, drafts included (editor only)."""
    article = editorial.get_article(session=session, article_id=article_id)
    return editorial.to_public(session, article, settings)


@router.post("/articles/{article_id}/publish", response_model=ArticlePublic)
def publish_article(article_id: int, session: SessionDep, _editor: EditorDep):
    """Publish a draft (editor only); publishing again is no error and emits nothing."""
    article = editorial.publish_article(session=session, outbox=runtime.outbox,
                                        settings=settings, article_id=article_id)
    return editorial.to_public(session, article, settings)


@router.get("/articles", response_model=ArticlesPublic)
def list_articles(session: SessionDep, category: str | None = None,
                  limit: int = Query(default=20, ge=1, le=100)):
    """Published articles, newest first, site-wide or of one category (by slug)."""
    articles = editorial.list_published(session=session, category=category, limit=limit)
    return ArticlesPublic(data=[editorial.to_public(session, a, settings) for a in articles])


@router.get("/articles/{slug}", response_model=ArticlePublic)
def get_article(slug: str, session: SessionDep):
    """A published article by its slug."""
    article = editorial.get_published_article(session=session, slug=slug)
    return editorial.to_public(session, article, settings)


app = create_app(title="Burg posts", description="Categories, articles and their editors.")
app.include_router(router)
