"""Events the feeds service consumes: category.* and article.* (re-rendering what they touch)."""

from functools import partial

from services.feeds import feeding
from services.feeds.bootstrap import settings
from shared.inbox import Handler

HANDLERS: dict[str, Handler] = {
    "category.created": partial(feeding.on_category_changed, settings=settings),
    "category.updated": partial(feeding.on_category_changed, settings=settings),
    "article.published": partial(feeding.on_article_published, settings=settings),
    "article.updated": partial(feeding.on_article_published, settings=settings),
    "article.retracted": partial(feeding.on_article_retracted, settings=settings),
}
