"""The feeds service's composition root: settings, database, Celery, outbox and inbox."""

from services.feeds.models import FeedsTable
from services.feeds.settings import FeedsSettings
from shared.runtime import build_runtime

settings = FeedsSettings()
runtime = build_runtime(settings, FeedsTable.metadata)
