"""Events the feeds service consumes: category.*, article.* and comment.* (each marks the
documents it touches stale), and the task that renders stale documents."""

import logging
from functools import partial

from sqlmodel import Session

from services.feeds import comment_feeds, feeding
from services.feeds.bootstrap import renders, runtime, settings
from services.feeds.stale import TASK
from shared.inbox import Handler

log = logging.getLogger(__name__)

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


def render(session: Session, key: str) -> None:
    """Render the document(s) a stale key names."""
    kind, _, name = key.partition(":")
    if kind == "site":
        feeding.render_site(session, settings)
    elif kind == "category":
        feeding.render_category(session, settings, name)
    elif kind == "comments":
        comment_feeds.render_latest(session, settings)
    elif kind == "article" and name.isdigit():
        comment_feeds.render_article(session, settings, int(name))
    else:
        log.warning("feeds: no document is called %r", key)


@runtime.celery.task(name=TASK, acks_late=True)
def render_stale(waiting: str = "") -> int:
    """Render every stale document once (after the events queued meanwhile, in a burst);
    `waiting`: this is the one task that waited for a round under way to end."""
    renders.stop_waiting(waiting)
    if renders.defer_behind_queue():
        return 0
    return renders.render_all(render)
