"""Events the feeds service consumes: category.*, article.* and comment.* (each marks the
documents it touches stale), and the task that renders stale documents."""

import logging
from collections.abc import Callable

from sqlmodel import Session

from services.feeds import comment_feeds, feeding
from services.feeds.bootstrap import Service
from services.feeds.rounds import TASK
from services.feeds.settings import FeedsSettings
from shared.inbox import Handler

log = logging.getLogger(__name__)


def handlers(settings: FeedsSettings) -> dict[str, Handler]:
    """Each event type's handler, `(session, event)`, for a service on `settings` (every
    consuming service builds its table so; none of feeds' handlers needs the settings: they
    only mark documents stale, and rendering reads them)."""
    return {
        "category.created": feeding.on_category_changed,
        "category.updated": feeding.on_category_changed,
        "article.published": feeding.on_article_published,
        "article.updated": feeding.on_article_published,
        "article.retracted": feeding.on_article_retracted,
        "comment.created": comment_feeds.on_comment_public,
        "comment.restored": comment_feeds.on_comment_public,
        "comment.edited": comment_feeds.on_comment_edited,
        "comment.removed": comment_feeds.on_comment_removed,
    }


def render(session: Session, key: str, settings: FeedsSettings) -> None:
    """Render the document(s) a stale key names."""
    kind, _, name = key.partition(":")
    if kind == "site":
        feeding.render_site(session=session, settings=settings)
    elif kind == "category":
        feeding.render_category(session=session, settings=settings, category_slug=name)
    elif kind == "comments":
        comment_feeds.render_latest(session=session, settings=settings)
    elif kind == "article" and name.isdigit():
        comment_feeds.render_article(session=session, settings=settings, article_id=int(name))
    else:
        log.warning("feeds: no document is called %r", key)


def renderer(settings: FeedsSettings) -> Callable[[Session, str], None]:
    """`render` for a service on `settings`; it looks `render` up each time (a test worker
    swaps in a slow one)."""
    return lambda session, key: render(session, key, settings)


def register_render_task(service: Service) -> None:
    """The task that renders stale documents, on the service's Celery app (its worker's)."""
    renders, draw = service.renders, renderer(service.settings)

    @service.runtime.celery.task(name=TASK, acks_late=True)
    def render_stale(waiting: str = "") -> int:
        """Render every stale document once (after the events queued meanwhile, in a burst);
        `waiting`: this is the one task that waited for a round under way to end."""
        renders.stop_waiting(waiting)
        return renders.run_task(draw)
