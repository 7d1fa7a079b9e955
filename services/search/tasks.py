"""Events the search service consumes: article.* and comment.* (each indexes, re-indexes or
takes out what it names)."""

from services.search import indexing
from services.search.settings import SearchSettings
from shared.inbox import Handler


def handlers(settings: SearchSettings) -> dict[str, Handler]:
    """Each event type's handler, `(session, event)`, for a service on `settings` (none of
    search's needs them: what is indexed does not depend on them)."""
    return {
        "article.published": indexing.on_article_published,
        "article.updated": indexing.on_article_published,
        "article.retracted": indexing.on_article_retracted,
        "comment.created": indexing.on_comment_created,
        "comment.restored": indexing.on_comment_restored,
        "comment.edited": indexing.on_comment_edited,
        "comment.removed": indexing.on_comment_removed,
    }
