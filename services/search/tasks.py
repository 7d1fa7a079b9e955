"""Events the search service consumes: article.* and comment.* (each indexes, re-indexes or
takes out what it names)."""

from sqlmodel import Session

from services.search import indexing
from services.search.settings import SearchSettings
from services.search.version import IndexVersion
from shared.events import Event
from shared.inbox import Handler


def handlers(settings: SearchSettings) -> dict[str, Handler]:
    """Each event type's handler, `(session, event)`, for a service on `settings`: each
    raises the index's version once its transaction commits (the API's kept pages go)."""
    version = IndexVersion.of(settings)

    def raising(handler: Handler) -> Handler:
        def handle(session: Session, event: Event) -> None:
            handler(session, event)
            version.raise_after_commit(session)
        return handle

    return {event_type: raising(handler) for event_type, handler in _HANDLERS.items()}


_HANDLERS: dict[str, Handler] = {
    "article.published": indexing.on_article_published,
    "article.updated": indexing.on_article_published,
    "article.retracted": indexing.on_article_retracted,
    "comment.created": indexing.on_comment_created,
    "comment.restored": indexing.on_comment_restored,
    "comment.edited": indexing.on_comment_edited,
    "comment.removed": indexing.on_comment_removed,
}
