"""Events the comments service consumes: the posts service's article.* and editor.*."""

from services.comments import replica
from shared.inbox import Handler

HANDLERS: dict[str, Handler] = {
    "article.published": replica.on_article_published,
    "article.updated": replica.on_article_published,
    "article.retracted": replica.on_article_retracted,
    "editor.authorized": replica.on_editor_authorized,
    "editor.revoked": replica.on_editor_revoked,
}
