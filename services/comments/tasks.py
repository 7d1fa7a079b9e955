"""Events the comments service consumes: the posts service's article.* events."""

from services.comments import commenting

HANDLERS = {
    "article.published": commenting.on_article_published,
    "article.updated": commenting.on_article_published,
    "article.retracted": commenting.on_article_retracted,
}
