"""Events the comments service consumes: the posts service's article.* and editor.*, and
notify's recovery.wanted."""

from functools import partial

from services.comments import recovery, replica
from services.comments.settings import CommentsSettings
from shared.inbox import Handler


def handlers(settings: CommentsSettings) -> dict[str, Handler]:
    """Each event type's handler, `(session, event)`, for a service on `settings` (every
    consuming service builds its table so; the settings are bound here for those that need
    them)."""
    return {
        "article.published": replica.on_article_published,
        "article.updated": replica.on_article_published,
        "article.retracted": replica.on_article_retracted,
        "editor.authorized": replica.on_editor_authorized,
        "editor.revoked": replica.on_editor_revoked,
        "recovery.wanted": partial(recovery.on_recovery_wanted, settings=settings),
    }
