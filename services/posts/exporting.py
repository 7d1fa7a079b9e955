"""Everything public the posts service holds, for an export (`GET /api/posts/export`): every
category and every published article (drafts and retracted ones are not public: left out).

The answer is written as it is read, as lines of JSON (NDJSON): `{"category": …}` lines, then
`{"author": {"nic": …}}` lines (who posted the published articles: a WordPress file lists its
authors before its posts), then `{"article": …}` lines by id, then one
`{"end": {"categories": n, "articles": m}}` line. A
reader takes one line at a time (the web's export merges it with the comments service's, line
by line), and a stream without its `end` line was cut short: no backup to trust. Articles are
read in batches by id, each batch in a short session of its own, so ten thousand articles
never sit in memory, nor hold one transaction open for the whole download."""

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from services.posts.models import Article, ArticleStatus, Category, CategoryPublic
from services.posts.reading import article_url
from services.posts.settings import PostsSettings

BATCH = 500  # articles read per session
MEDIA_TYPE = "application/x-ndjson"


class ExportedArticle(SQLModel):
    """A published article as an export holds it: what its page shows, its markup (`body`)
    as the editor wrote it, and the HTML it renders to (`body_html`)."""

    id: int
    slug: str
    url: str
    title: str
    category: str  # the category's slug
    dateline: date | None
    dateline_place: str
    source_name: str
    source_url: str | None
    source_note: str
    posted_by: str
    body: str
    body_html: str
    published_at: datetime
    updated_at: datetime
    comments_close_at: datetime | None


def export_lines(*, sessions: Callable[[], Session], settings: PostsSettings,
                 batch: int = BATCH) -> Iterator[str]:
    """The export's lines (each ending in a newline), read as they are written."""
    with sessions() as session:
        categories = list(session.exec(select(Category).order_by(col(Category.id))).all())
        authors = list(session.exec(
            select(Article.posted_by).where(col(Article.status) == ArticleStatus.published)
            .distinct().order_by(col(Article.posted_by))).all())
    slugs = {category.id: category.slug for category in categories}
    for category in categories:
        yield _line("category", CategoryPublic.model_validate(category))
    for nic in authors:
        yield _line("author", None, {"nic": nic})
    after, articles = 0, 0
    while True:
        with sessions() as session:
            found = list(session.exec(
                select(Article).where(col(Article.status) == ArticleStatus.published,
                                      col(Article.id) > after)
                .order_by(col(Article.id)).limit(batch)).all())
            for article in found:
                if article.category_id not in slugs:  # made while the export ran
                    slugs[article.category_id] = session.get_one(
                        Category, article.category_id).slug
        for article in found:
            yield _line("article", _exported(article, slugs[article.category_id], settings))
        articles += len(found)
        if len(found) < batch:
            break
        assert found[-1].id is not None
        after = found[-1].id
    yield _line("end", None, {"categories": len(categories), "articles": articles})


def _exported(article: Article, category: str, settings: PostsSettings) -> ExportedArticle:
    assert article.published_at is not None
    return ExportedArticle.model_validate(article, update={
        "category": category, "url": article_url(settings, article)})


def _line(kind: str, record: SQLModel | None, plain: dict[str, Any] | None = None) -> str:
    inner = record.model_dump_json() if record is not None else json.dumps(plain)
    return f'{{"{kind}":{inner}}}\n'
