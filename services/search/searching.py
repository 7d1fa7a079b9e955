"""The search use case: a page of articles and comments matching what a reader typed."""

import html

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session, col, select

from services.search import fts
from services.search.models import SearchDoc, SearchHit, SearchResults
from services.search.query import parse
from services.search.settings import SearchSettings
from services.search.text import marked_html
from shared.errors import Invalid


def search(*, session: Session, settings: SearchSettings, q: str, order: fts.Order,
           page: int) -> SearchResults:
    """Page `page` (from 1) of what matches `q`, newest or most relevant first. Invalid (422)
    for a query with no word, too long, or a page past `max_pages`."""
    query = parse(q, max_chars=settings.max_query_chars, max_words=settings.max_query_words)
    if page > settings.max_pages:
        raise Invalid(f"page: at most {settings.max_pages}")
    size = settings.page_size
    try:
        ids = fts.find(session, query, order=order, limit=size + 1, offset=(page - 1) * size,
                       window=settings.rank_window)
        more, ids = len(ids) > size, ids[:size]
        marks = fts.marked(session, query, ids)
    except (OperationalError, ProgrammingError) as exc:
        # Not expected (every term is quoted), but an index that refuses a query is the
        # query's fault, not the server's: say so rather than 500.
        if "syntax" not in str(exc) and "fts5" not in str(exc):
            raise
        session.rollback()
        raise Invalid("q: this search cannot be run; try other words") from exc
    docs = {doc.id: doc for doc in session.exec(select(SearchDoc).where(
        col(SearchDoc.id).in_(ids)))} if ids else {}
    hits = [_hit(docs[i], *marks.get(i, ("", ""))) for i in ids if i in docs]
    return SearchResults(query=query.text, order=order, page=page, results=hits,
                         next_page=page + 1 if more and page < settings.max_pages else None)


def _hit(doc: SearchDoc, title_marked: str, snippet_marked: str) -> SearchHit:
    # A comment's title is its article's, which is not what matched: shown plain.
    title_html = marked_html(title_marked) if doc.heading else html.escape(doc.title)
    snippet = snippet_marked or doc.body[:200]
    return SearchHit(kind="comment" if doc.kind == "comment" else "article", id=doc.ref_id,
                     article_id=doc.article_id, title=doc.title, title_html=title_html,
                     nic=doc.nic, url=doc.url, published_at=doc.published_at,
                     snippet_html=marked_html(snippet))
