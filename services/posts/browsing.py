"""Ways for a reader to get around the published articles: numbered pages (the front page's
and a category's "page 3 of 12") and an article's neighbours (previous and next, site-wide and
in its category).

A numbered page shifts as articles arrive (what was the last of page 1 becomes the first of
page 2); that is what numbered pages are on such sites, and why the cursor paging of
reading.py stays for programs that walk the whole list."""

from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from services.posts.categories import get_category
from services.posts.models import Article, ArticleLink, ArticleStatus, Neighbours
from services.posts.reading import article_url
from services.posts.settings import PostsSettings
from shared.errors import NotFound

MAX_PAGE = 100_000  # beyond any real archive; a larger number is a 422, not an offset overflow


def pages_for(total: int, limit: int) -> int:
    """How many pages of `limit` the `total` articles fill (one, empty, when there are none)."""
    return max(1, -(-total // limit))


def numbered_page(*, session: Session, category: str | None, page: int,
                  limit: int) -> tuple[list[Article], int]:
    """Page `page` (from 1) of the published articles, newest first, optionally of one
    category (by slug), and how many articles there are in all. NotFound past the last page
    (page 1 always exists, empty on a new site)."""
    published = col(Article.status) == ArticleStatus.published
    where: list[Any] = [published]
    if category is not None:
        where.append(col(Article.category_id) == get_category(session=session,
                                                              slug=category).id)
    total = session.exec(select(func.count()).select_from(Article).where(*where)).one()
    last = pages_for(total, limit)
    if page > last:
        raise NotFound(f"page {page}: there are {last} pages of {limit} articles")
    query = (select(Article).where(*where)
             .order_by(col(Article.published_at).desc(), col(Article.id).desc())
             .offset((page - 1) * limit).limit(limit))
    return list(session.exec(query).all()), total


def neighbours(*, session: Session, article: Article, settings: PostsSettings) -> Neighbours:
    """The published articles just older and just newer than `article`, site-wide and in its
    category (by publication time, then id, as the lists order them)."""
    def link(found: Article | None) -> ArticleLink | None:
        if found is None:
            return None
        assert found.published_at is not None
        return ArticleLink(slug=found.slug, title=found.title, published_at=found.published_at,
                           url=article_url(settings, found))

    def nearest(*, newer: bool, same_category: bool) -> ArticleLink | None:
        at, me = col(Article.published_at), col(Article.id)
        moment = article.published_at
        beyond = (or_(at > moment, and_(at == moment, me > article.id)) if newer
                  else or_(at < moment, and_(at == moment, me < article.id)))
        query = select(Article).where(col(Article.status) == ArticleStatus.published, beyond)
        if same_category:
            query = query.where(col(Article.category_id) == article.category_id)
        order = (at.asc(), me.asc()) if newer else (at.desc(), me.desc())
        return link(session.exec(query.order_by(*order).limit(1)).first())

    return Neighbours(older=nearest(newer=False, same_category=False),
                      newer=nearest(newer=True, same_category=False),
                      older_in_category=nearest(newer=False, same_category=True),
                      newer_in_category=nearest(newer=True, same_category=True))
