"""The feeds service's composition root: settings, database, Celery, outbox, inbox, the
coalesced renders and the WebSub hub."""

from services.feeds.migrate import MIGRATIONS
from services.feeds.models import FeedsTable
from services.feeds.settings import FeedsSettings
from services.feeds.stale import StaleRenders
from services.feeds.websub import CHANGED, Hub
from shared.db import after_commit
from shared.runtime import build_runtime

settings = FeedsSettings()
runtime = build_runtime(settings, FeedsTable.metadata, MIGRATIONS)
renders = StaleRenders(celery=runtime.celery, sessions=runtime.sessions,
                       redis_url=runtime.celery.conf.broker_url, flag="burg:feeds:render-queued",
                       attempts=settings.render_attempts)
if settings.websub_hub:
    after_commit(runtime.sessions, CHANGED, Hub(settings.websub_hub).ping)
