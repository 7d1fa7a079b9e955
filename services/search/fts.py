"""The full-text index, on SQLite (FTS5) or PostgreSQL (a tsvector column with a GIN index):
the one module that knows which. Every query is a few rows' worth of work: the index finds
and orders the matches and stops at the page's end (LIMIT); snippets are made for the page's
rows only.

On SQLite the index is the FTS5 table `search_fts` (title, body), whose row id is the
document's id, kept in step with `searchdoc` here. On PostgreSQL `searchdoc.document` is a
generated column: the database keeps it in step by itself."""

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from sqlalchemy import bindparam, text
from sqlmodel import Session

from services.search.query import Query
from services.search.text import START, STOP
from shared.direct import Direct

Order = Literal["newest", "relevant"]
TITLE_WEIGHT = 4.0  # a word in an article's title counts this many times one in a body
SNIPPET_WORDS = 24
# PostgreSQL's text search configuration is 'english' (it stems words as FTS5's porter
# tokenizer does), in these statements and in the migration that makes the column.
PG_NEWEST = ("SELECT id FROM searchdoc WHERE document @@ websearch_to_tsquery('english', :q) "
             "ORDER BY id DESC")
# Weights D, C, B, A: titles are A, bodies B (see the migration).
PG_RELEVANT = ("SELECT id FROM (SELECT id, document FROM searchdoc WHERE document @@ "
               "websearch_to_tsquery('english', :q) ORDER BY id DESC LIMIT :window) AS newest "
               "ORDER BY ts_rank('{0.1, 0.2, 0.25, 1.0}', document, "
               "websearch_to_tsquery('english', :q)) DESC, id DESC")
PG_MARKED = ("SELECT id, ts_headline('english', heading, websearch_to_tsquery('english', :q), "
             ":all), ts_headline('english', body, websearch_to_tsquery('english', :q), :some) "
             "FROM searchdoc WHERE id IN :ids")
FTS_NEWEST = "SELECT rowid FROM search_fts WHERE search_fts MATCH :q ORDER BY rowid DESC"
FTS_RELEVANT = ("SELECT rowid FROM (SELECT rowid, bm25(search_fts, :tw, 1.0) AS score "
                "FROM search_fts WHERE search_fts MATCH :q ORDER BY rowid DESC "
                "LIMIT :window) ORDER BY score, rowid DESC")
FTS_MARKED = ("SELECT rowid, highlight(search_fts, 0, :start, :stop), "
              "snippet(search_fts, 1, :start, :stop, ' … ', :words) FROM search_fts "
              "WHERE search_fts MATCH :q AND rowid >= :low AND rowid <= :high "
              "AND rowid IN :ids")
FTS_ADD = "INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)"
FTS_DROP = "DELETE FROM search_fts WHERE rowid IN :ids"
FTS_CLEAR = "DELETE FROM search_fts"
PAGE = " LIMIT :limit OFFSET :offset"
_ADD = Direct(text(FTS_ADD))  # run on the session's cursor: see shared/direct.py


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def add(session: Session, docs: Sequence[Mapping[str, Any]]) -> None:
    """Index these documents (rows of `searchdoc`, inserted already) under their ids."""
    if docs and not _postgres(session):
        _ADD.run_many(session.connection(), [{"id": d["id"], "title": d["heading"],
                                              "body": d["body"]} for d in docs])


def drop(session: Session, doc_ids: Sequence[int]) -> None:
    """Take these documents out of the index (before their rows are deleted)."""
    if doc_ids and not _postgres(session):
        session.execute(text(FTS_DROP).bindparams(bindparam("ids", expanding=True)),
                        {"ids": list(doc_ids)})


def clear(session: Session) -> None:
    """Empty the index (its documents' rows are deleted next)."""
    if not _postgres(session):
        session.execute(text(FTS_CLEAR))


def find(session: Session, query: Query, *, order: Order, limit: int, offset: int,
         window: int) -> list[int]:
    """The ids of the matching documents on one page: newest first, or the most relevant of
    the newest `window` matches first."""
    postgres = _postgres(session)
    params = {"q": query.websearch() if postgres else query.fts5(), "limit": limit,
              "offset": offset, "window": window, "tw": TITLE_WEIGHT}
    if postgres:
        sql = PG_NEWEST if order == "newest" else PG_RELEVANT
    else:
        sql = FTS_NEWEST if order == "newest" else FTS_RELEVANT
    return [row[0] for row in session.execute(text(sql + PAGE), params)]


def marked(session: Session, query: Query, doc_ids: Sequence[int]
           ) -> dict[int, tuple[str, str]]:
    """For each of `doc_ids`: its title and a snippet of its body, the words found between
    `text.START` and `text.STOP` (the rest as stored: not yet escaped)."""
    if not doc_ids:
        return {}
    params = {"ids": list(doc_ids), "start": START, "stop": STOP, "words": SNIPPET_WORDS}
    if _postgres(session):
        options = (f'StartSel="{START}", StopSel="{STOP}", MaxWords={SNIPPET_WORDS}, '
                   'MinWords=8, MaxFragments=2, FragmentDelimiter=" … "')
        params |= {"q": query.websearch(), "all": f"{options}, HighlightAll=true",
                   "some": options}
    else:
        # The ids' range narrows FTS5's scan of the matches (it reads a row id range from
        # its index; a list of ids it would check against every match).
        params |= {"q": query.fts5(), "low": min(doc_ids), "high": max(doc_ids)}
    statement = text(PG_MARKED if _postgres(session) else FTS_MARKED).bindparams(
        bindparam("ids", expanding=True))
    return {row[0]: (row[1], row[2]) for row in session.execute(statement, params)}
