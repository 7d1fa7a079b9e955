"""The feeds service's composition root: `bootstrap()` wires settings, database, Celery,
outbox, inbox, the coalesced renders, the WebSub pings and the API's copies of documents
into a `Service`. A function, not an
import: its API's factory, its workers, its CLI and tests call it, with settings of their own
if they like."""

from dataclasses import dataclass
from typing import Any

from services.feeds.documents import STORED_ANEW
from services.feeds.feed import feed_url
from services.feeds.migrate import MIGRATIONS
from services.feeds.models import FeedsTable
from services.feeds.notices import Notices
from services.feeds.rounds import StaleRenders
from services.feeds.serving import Copies
from services.feeds.settings import FeedsSettings
from services.feeds.websub import Pings
from shared.db import after_commit
from shared.runtime import Runtime, build_runtime, overridden


@dataclass
class Service:
    """The feeds service, wired: what its routes, workers and commands use."""

    settings: FeedsSettings
    runtime: Runtime
    renders: StaleRenders
    pings: Pings
    copies: Copies  # documents the API read lately (serving.py); empty in a worker


def bootstrap(settings: FeedsSettings | None = None, **overrides: Any) -> Service:
    """The service on `settings` (else the environment's) with `overrides` set. It logs,
    checks the schema and pings Redis: stops the process (SystemExit, one line) if the
    database or Redis cannot be used."""
    settings = overridden(FeedsSettings, settings, overrides)
    runtime = build_runtime(settings, FeedsTable.metadata, MIGRATIONS)
    renders = StaleRenders(celery=runtime.celery, sessions=runtime.sessions,
                           redis_url=runtime.celery.conf.broker_url,
                           flag="burg:feeds:render-queued", attempts=settings.render_attempts)
    # The ping task and its queue exist even with no hub, so that the pinger starts (idle)
    # anyway.
    pings = Pings(celery=runtime.celery, hub=settings.websub_hub, timeout=settings.websub_timeout,
                  retry_ceiling=settings.visibility_timeout / 4)
    notices = Notices(runtime.celery.conf.broker_url)

    def stored(paths: list[str]) -> None:
        """Once a render has committed: the API processes hear of it at once, and the hub
        (if any) when they all serve it. A broker that is away costs these only."""
        notices.announce(paths)
        if settings.websub_hub:
            pings.schedule(feed_url(settings, path) for path in paths)

    after_commit(runtime.sessions, STORED_ANEW, stored)
    return Service(settings=settings, runtime=runtime, renders=renders, pings=pings,
                   copies=Copies(listen=notices.listen))
