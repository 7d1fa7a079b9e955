"""Comment feeds — one per article, and the site's latest comments — kept from the comments
service's events; removed comments leave them."""

from typing import Any

from sqlalchemy import Select, bindparam, insert
from sqlmodel import Session, col, delete, select

from services.feeds import stale
from services.feeds.documents import publish, remove
from services.feeds.empty_feeds import comments_feed
from services.feeds.models import FeedArticle, FeedComment
from services.feeds.render import COMMENT_FIELDS, Feed, comment_entry
from services.feeds.settings import FeedsSettings
from shared.direct import Direct
from shared.events import CommentCreated, CommentEdited, CommentRemoved
from shared.markup.summary import html_summary

SUMMARY_CHARS = 200  # of a comment's entry's summary


def on_comment_public(session: Session, event: CommentCreated) -> None:
    """A new (or restored) public comment joins its article's feed and the site's. Its entry
    names the article as the read model has it: the comments service may have sent the title
    it knew before an edit that reached this service first (a later edit updates it)."""
    session.flush()  # what the batch's ORM handlers hold back goes first
    connection = session.connection()
    _FORGET.run(connection, {"comment_id": event.comment_id})
    known = _ARTICLE.first(connection, {"article_id": event.article_id})
    title, url = known or (event.article_title, event.article_url)
    _ADD.run(connection, {
        "comment_id": event.comment_id, "article_id": event.article_id,
        "article_title": title, "article_url": url, "nic": event.nic,
        "summary": summary_of(event.body_html), "body_html": event.body_html,
        "created_at": event.created_at, "updated_at": event.created_at})
    stale.mark(session, f"article:{event.article_id}", "comments")


# Built once, rows rather than ORM objects, and run on the session's cursor (shared/direct.py):
# building the statements, making and flushing an object for every comment, and then
# SQLAlchemy's execute around each statement cost more than the SQL itself.
_COMMENTS = FeedComment.__table__  # type: ignore[attr-defined]
_FORGET = Direct(delete(_COMMENTS).where(_COMMENTS.c.comment_id == bindparam("comment_id")))
_ARTICLE = Direct(select(FeedArticle.title, FeedArticle.url).where(  # not its body
    col(FeedArticle.article_id) == bindparam("article_id"), col(FeedArticle.url) != ""))
_ADD = Direct(insert(_COMMENTS))


def on_comment_edited(session: Session, event: CommentEdited) -> None:
    """An edited comment keeps its place and id, with its new text."""
    comment = session.get(FeedComment, event.comment_id)
    if comment is None or comment.updated_at > event.edited_at:
        return  # removed, or a newer edit is there already
    comment.body_html, comment.summary = event.body_html, summary_of(event.body_html)
    comment.updated_at = event.edited_at
    session.add(comment)
    stale.mark(session, f"article:{event.article_id}", "comments")


def on_comment_removed(session: Session, event: CommentRemoved) -> None:
    """A hidden or deleted comment leaves every feed."""
    session.exec(delete(FeedComment).where(col(FeedComment.comment_id) == event.comment_id))
    stale.mark(session, f"article:{event.article_id}", "comments")


def render_article(*, session: Session, settings: FeedsSettings, article_id: int) -> None:
    """Render the article's comment feed again (a retracted article's goes)."""
    article = session.execute(select(FeedArticle.title, FeedArticle.url, FeedArticle.retracted)
                              .where(FeedArticle.article_id == article_id)).first()  # no body
    if article is not None and article.retracted:
        remove(session, f"articles/{article_id}/comments")
        return
    comments = session.execute(_newest().where(col(FeedComment.article_id) == article_id)
                               .limit(settings.entries_per_feed)).all()
    title = article.title if article else (comments[0].article_title if comments else "")
    page = article.url if article else (comments[0].article_url if comments else "")
    if not page:
        return
    publish(session, settings, comments_feed(article_id, title, page,
                                             [comment_entry(settings, c) for c in comments]))


def render_latest(*, session: Session, settings: FeedsSettings) -> None:
    """Render the site's latest comments again."""
    comments = session.execute(_newest().limit(settings.entries_per_feed)).all()
    publish(session, settings, Feed(
        path_stem="comments", title=f"{settings.site_name}: latest comments",
        description=f"The latest comments on {settings.site_name}",
        page_url=f"{settings.site_url.rstrip('/')}/",
        entries=[comment_entry(settings, c) for c in comments]))


def _newest() -> Select[Any]:
    # Rows, not ORM objects: making 50 objects cost as much as the rest of the query.
    retracted = select(FeedArticle.article_id).where(col(FeedArticle.retracted))
    fields = (getattr(FeedComment, name) for name in COMMENT_FIELDS)
    return select(*fields).where(col(FeedComment.article_id).not_in(retracted)).order_by(
        col(FeedComment.created_at).desc(), col(FeedComment.comment_id).desc())


def summary_of(body_html: str) -> str:
    """The comment as plain text on one line, cut near SUMMARY_CHARS characters."""
    return html_summary(body_html, SUMMARY_CHARS)
