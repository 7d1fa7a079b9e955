"""The search worker: `celery -A services.search.worker worker -Q search`. An entry point:
importing it wires the service (Celery needs the module's `app`)."""

from services.search.bootstrap import bootstrap
from services.search.tasks import handlers

service = bootstrap()
service.runtime.consume(handlers(service.settings))
service.runtime.start_worker_duties()
app = service.runtime.celery
