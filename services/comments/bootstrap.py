"""The comments service's composition root: `bootstrap()` wires settings, database, Celery,
outbox, inbox, the thread pages and the rate limits into a `Service`. A function, not an
import: its API's factory, its worker, its CLI and tests call it, with settings of their own
if they like (`bootstrap(premoderation=True)`)."""

from dataclasses import dataclass
from typing import Any

from services.comments.limits import PostingLimits
from services.comments.migrate import MIGRATIONS
from services.comments.models import CommentsTable
from services.comments.pages import ThreadPages
from services.comments.settings import CommentsSettings
from shared.runtime import Runtime, build_runtime, overridden
from shared.sealing import local_public_key


@dataclass
class Service:
    """The comments service, wired: what its routes, worker and commands use."""

    settings: CommentsSettings
    runtime: Runtime
    # Built thread pages; the API and the worker both drop them when they change a thread.
    pages: ThreadPages
    limits: PostingLimits  # comments per client address and commenter, and e-mail asked for


def bootstrap(settings: CommentsSettings | None = None, **overrides: Any) -> Service:
    """The service on `settings` (else the environment's) with `overrides` set. It logs,
    checks the schema and pings Redis: stops the process (SystemExit, one line) if the
    database or Redis cannot be used."""
    settings = overridden(CommentsSettings, settings, overrides)
    settings.notify_public_key = settings.notify_public_key or local_public_key(settings.data_dir)
    runtime = build_runtime(settings, CommentsTable.metadata, MIGRATIONS)
    broker = runtime.celery.conf.broker_url
    pages = ThreadPages(broker, prefix="burg:comments:thread", max_bytes=settings.page_cache_bytes)
    pages.watch(runtime.sessions)
    return Service(
        settings=settings, runtime=runtime, pages=pages,
        limits=PostingLimits(broker, settings))
