"""The feeds worker: `celery -A services.feeds.worker worker -Q feeds`."""

from services.feeds.bootstrap import runtime
from services.feeds.tasks import HANDLERS

runtime.consume(HANDLERS)
runtime.start_worker_duties()
app = runtime.celery
