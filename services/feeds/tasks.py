"""Events the feeds service consumes: article.* (re-rendering the feeds they touch)."""

from functools import partial

from services.feeds import feeding
from services.feeds.bootstrap import settings
from shared.inbox import Handler

HANDLERS: dict[str, Handler] = {
    "article.published": partial(feeding.on_article_published, settings=settings),
    "article.updated": partial(feeding.on_article_published, settings=settings),
    "article.retracted": partial(feeding.on_article_retracted, settings=settings),
}
