"""The notify service's composition root: settings, database, Celery, outbox and inbox."""

from services.notify.models import NotifyTable
from services.notify.settings import NotifySettings
from shared.runtime import build_runtime

settings = NotifySettings()
runtime = build_runtime(settings, NotifyTable.metadata)
