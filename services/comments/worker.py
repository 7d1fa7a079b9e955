"""The comments worker: `celery -A services.comments.worker worker -Q comments`. An entry
point: importing it wires the service (Celery needs the module's `app`)."""

from services.comments.bootstrap import bootstrap
from services.comments.tasks import handlers

service = bootstrap()
runtime = service.runtime
runtime.consume(handlers(service.settings))
runtime.start_worker_duties()
app = runtime.celery
