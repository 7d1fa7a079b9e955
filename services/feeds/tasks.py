"""Events the feeds service consumes: category.*, article.* and comment.* (re-rendering the
documents each one touches)."""

from functools import partial

from services.feeds import comment_feeds, feeding
from services.feeds.bootstrap import settings
from shared.inbox import Handler

HANDLERS: dict[str, Handler] = {
    "category.created": partial(feeding.on_category_changed, settings=settings),
    "category.updated": partial(feeding.on_category_changed, settings=settings),
    "article.published": partial(feeding.on_article_published, settings=settings),
    "article.updated": partial(feeding.on_article_published, settings=settings),
    "article.retracted": partial(feeding.on_article_retracted, settings=settings),
    "comment.created": partial(comment_feeds.on_comment_public, settings=settings),
    "comment.restored": partial(comment_feeds.on_comment_public, settings=settings),
    "comment.edited": partial(comment_feeds.on_comment_edited, settings=settings),
    "comment.removed": partial(comment_feeds.on_comment_removed, settings=settings),
}
