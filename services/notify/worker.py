"""The notify worker: `celery -A services.notify.worker worker -Q notify`. An entry point:
importing it wires the service (Celery needs the module's `app`)."""

from services.notify.bootstrap import bootstrap
from services.notify.sender import stop_budget
from services.notify.tasks import handlers

service = bootstrap()
runtime = service.runtime
runtime.consume(handlers(service.settings))
# Besides the outbox sweep: fold digests. Sending is the sending threads' job (`sender.py`),
# so a slow SMTP server never holds up the sweep.
runtime.start_worker_duties(service.upkeep.fold_digests)
service.sender.run_in_worker(runtime.celery, stop_timeout=stop_budget(service.settings))
app = runtime.celery
