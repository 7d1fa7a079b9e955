"""The notify worker: `celery -A services.notify.worker worker -Q notify`."""

from services.notify.bootstrap import runtime
from services.notify.tasks import HANDLERS

runtime.consume(HANDLERS)
runtime.start_worker_duties()
app = runtime.celery
