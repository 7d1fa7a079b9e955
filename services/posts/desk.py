"""The editors' desk list: every article, drafts and retracted ones included, by status,
category and words of the title, newest change first, in numbered pages (editor only).

The title search is a case-insensitive `LIKE` with its wildcards escaped, so `%` and `_`
match themselves on SQLite and PostgreSQL alike (SQLite folds the case of ASCII letters only)."""

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from services.posts.browsing import pages_for
from services.posts.categories import get_category
from services.posts.models import (
    Article,
    ArticleStatus,
    Category,
    CategoryPublic,
    DeskArticle,
    DeskArticles,
)
from services.posts.reading import comments_open
from shared.errors import NotFound


def desk_page(*, session: Session, status: ArticleStatus | None, category: str | None,
              q: str | None, page: int, limit: int) -> DeskArticles:
    """Page `page` (from 1) of the articles that match, most recently changed first; NotFound
    past the last page (page 1 always exists, empty when nothing matches)."""
    where: list[Any] = []
    if status is not None:
        where.append(col(Article.status) == status)
    if category is not None:
        where.append(col(Article.category_id) == get_category(session=session,
                                                              slug=category).id)
    if q:
        where.append(col(Article.title).icontains(q, autoescape=True))
    total = session.exec(select(func.count()).select_from(Article).where(*where)).one()
    last = pages_for(total, limit)
    if page > last:
        raise NotFound(f"page {page}: there are {last} pages of {limit} articles")
    query = (select(Article, Category).join(Category).where(*where)
             .order_by(col(Article.updated_at).desc(), col(Article.id).desc())
             .offset((page - 1) * limit).limit(limit))
    rows = [DeskArticle.model_validate(article, update={
                "category": CategoryPublic.model_validate(category),
                "comments_open": comments_open(article)})
            for article, category in session.exec(query).all()]
    return DeskArticles(data=rows, page=page, pages=last, total=total)
