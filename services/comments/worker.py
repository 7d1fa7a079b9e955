"""The comments worker: `celery -A services.comments.worker worker -Q comments`."""

from services.comments.bootstrap import runtime
from services.comments.tasks import HANDLERS

runtime.consume(HANDLERS)
runtime.start_worker_duties()
app = runtime.celery
