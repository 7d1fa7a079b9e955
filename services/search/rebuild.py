"""Rebuild the index from nothing, from the posts and comments services' public APIs: for a
new replica, or after data loss. The index is replaced in one transaction: searches go on
meanwhile and see the old one until it commits.

What left search (the `GONE` marks: a retracted article, a removed comment) stays gone: the
public APIs list neither, so the rebuild cannot tell them from what never was, and a late
event of their older state must still be ignored. Only what the APIs show again (a restored
comment) loses its mark."""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import delete, insert, select
from sqlmodel import Session

from services.search import fts
from services.search.indexing import DOCS, GONE, Doc, doc_id, insert_docs
from services.search.text import plain, searchable
from shared.events import utcnow

Json = dict[str, Any]


def rebuild(*, session: Session, posts_url: str, comments_url: str,
            say: Callable[[str], None] = print) -> int:
    """Fetch every public article and comment, replace the index with them; return how many
    documents it holds. `say` hears of the progress."""
    docs: list[Doc] = []
    removed: list[int] = []
    with httpx.Client(timeout=60) as http:
        articles = list(pages(http, f"{posts_url}/api/posts/articles", "data", 100))
        say(f"{len(articles)} articles")
        for number, article in enumerate(articles, 1):
            docs.append(_article(article))
            url = f"{comments_url}/api/comments/articles/{article['id']}/comments"
            for comment in pages(http, url, "comments", 500):
                if comment.get("removed"):  # a placeholder keeping replies in place
                    removed.append(comment["id"])
                else:
                    docs.append(_comment(article, comment))
            if number % 50 == 0 or number == len(articles):
                say(f"comments of {number} of {len(articles)} articles: "
                    f"{len(docs) - number}")
    fts.clear(session)
    session.execute(delete(DOCS))
    for kind in ("article", "comment"):
        shown = [doc["ref_id"] for doc in docs if doc["kind"] == kind]
        for chunk in range(0, len(shown), 500):  # within any database's parameter limit
            session.execute(delete(GONE).where(GONE.c.kind == kind,
                                               GONE.c.ref_id.in_(shown[chunk:chunk + 500])))
    taken: set[int] = set()
    for doc in docs:
        while doc["id"] in taken:
            doc["id"] += 1
        taken.add(doc["id"])
    if docs:
        insert_docs(session, docs)
    marked = set(session.execute(select(GONE.c.ref_id).where(GONE.c.kind == "comment"))
                 .scalars())
    if unmarked := set(removed) - marked:
        now = utcnow()
        session.execute(insert(GONE), [{"kind": "comment", "ref_id": i, "gone_at": now}
                                       for i in unmarked])
    session.commit()
    say(f"{len(docs)} articles and comments indexed")
    return len(docs)


def pages(http: httpx.Client, url: str, key: str, limit: int) -> Iterator[Json]:
    """Every item of a cursor-paged list; a thread that is gone (404) has none."""
    cursor = None
    while True:
        response = http.get(url, params={"limit": limit} | ({"cursor": cursor} if cursor else {}))
        if response.status_code == 404:
            return
        page = response.raise_for_status().json()
        yield from page[key]
        if not (cursor := page.get("next_cursor")):
            return


def _article(article: Json) -> Doc:
    title = searchable(article["title"])
    published = _when(article["published_at"])
    return {"id": doc_id("article", article["id"], published), "kind": "article",
            "ref_id": article["id"], "article_id": article["id"], "heading": title,
            "title": title, "nic": article["posted_by"], "url": article["url"],
            "body": plain(article["body_html"]), "published_at": published,
            "updated_at": _when(article["updated_at"])}


def _comment(article: Json, comment: Json) -> Doc:
    created = _when(comment["created_at"])
    edited = comment.get("edited_at")
    return {"id": doc_id("comment", comment["id"], created), "kind": "comment",
            "ref_id": comment["id"], "article_id": article["id"], "heading": "",
            "title": searchable(article["title"]), "nic": comment["nic"],
            "url": article["url"], "body": plain(comment["body_html"]),
            "published_at": created, "updated_at": _when(edited) if edited else created}


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
