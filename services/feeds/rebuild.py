"""Rebuild the feeds service from nothing: its read model from the posts and comments
services' public APIs, then every document. For a new replica, or after data loss.

The read model is replaced in one transaction, and every document is re-rendered after it;
a document that is already stored stays served meanwhile.
"""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
from sqlmodel import Session, delete

from services.feeds import stale
from services.feeds.comment_feeds import summary_of
from services.feeds.models import FeedArticle, FeedCategory, FeedComment
from services.feeds.rounds import StaleRenders


def rebuild(*, session: Session, renders: StaleRenders, render: Callable[[Session, str], None],
            posts_url: str, comments_url: str, say: Callable[[str], None] = print) -> int:
    """Fetch everything public, replace the read model, render every document; return how
    many documents were rendered. `say` hears of the progress."""
    with httpx.Client(timeout=60) as http:
        categories = http.get(f"{posts_url}/api/posts/categories").raise_for_status().json()
        say(f"{len(categories)} categories")
        articles = list(_pages(http, f"{posts_url}/api/posts/articles", "data", 100, say,
                               "articles"))
        comments: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for number, article in enumerate(articles, 1):
            url = f"{comments_url}/api/comments/articles/{article['id']}/comments"
            comments += [(article, c) for c in _pages(http, url, "comments", 500)
                         if not c.get("removed")]  # a placeholder keeps replies in place
            if number % 50 == 0 or number == len(articles):
                say(f"comments of {number} of {len(articles)} articles: {len(comments)}")
    for table in (FeedComment, FeedArticle, FeedCategory):
        session.exec(delete(table))
    session.add_all(FeedCategory(slug=c["slug"], name=c["name"],
                                 description=c.get("description", "")) for c in categories)
    session.add_all(_article(a) for a in articles)
    session.add_all(_comment(a, c) for a, c in comments)
    stale.mark(session, "site", "comments", *(f"category:{c['slug']}" for c in categories),
               *(f"article:{a['id']}" for a in articles))
    session.commit()
    say("read model replaced; rendering")
    rendered = renders.render_all(render, wait=600)
    say(f"{rendered} feeds rendered")
    return rendered


def _pages(http: httpx.Client, url: str, key: str, limit: int,
           say: Callable[[str], None] | None = None, what: str = "") -> Iterator[dict[str, Any]]:
    """Every item of a cursor-paged list; a thread that is gone (404) has none."""
    cursor, count = None, 0
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = http.get(url, params=params)
        if response.status_code == 404:
            return
        page = response.raise_for_status().json()
        yield from page[key]
        count += len(page[key])
        if say:
            say(f"{count} {what}")
        if not (cursor := page.get("next_cursor")):
            return


def _article(article: dict[str, Any]) -> FeedArticle:
    return FeedArticle(
        article_id=article["id"], slug=article["slug"], url=article["url"],
        title=article["title"], category_slug=article["category"]["slug"],
        category_name=article["category"]["name"], posted_by=article["posted_by"],
        summary=article["summary"], body_html=article["body_html"],
        published_at=_when(article["published_at"]),
        updated_at=_when(article["updated_at"]))


def _comment(article: dict[str, Any], comment: dict[str, Any]) -> FeedComment:
    created = _when(comment["created_at"])
    return FeedComment(
        comment_id=comment["id"], article_id=article["id"], article_title=article["title"],
        article_url=article["url"], nic=comment["nic"], summary=summary_of(comment["body_html"]),
        body_html=comment["body_html"], created_at=created,
        updated_at=_when(comment["edited_at"]) if comment.get("edited_at") else created)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
