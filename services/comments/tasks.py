"""Events the comments service consumes: the posts service's article.* events."""

from services.comments import commenting
from shared.inbox import Handler

HANDLERS: dict[str, Handler] = {
    "article.published": commenting.on_article_published,
    "article.updated": commenting.on_article_published,
    "article.retracted": commenting.on_article_retracted,
}
