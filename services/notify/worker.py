"""The notify worker: `celery -A services.notify.worker worker -Q notify`."""

from services.notify.bootstrap import deliveries, runtime
from services.notify.tasks import HANDLERS

runtime.consume(HANDLERS)
# Besides the outbox sweep: send what is due (retries, sends whose sender died) and digests.
runtime.start_worker_duties(deliveries.due)
app = runtime.celery
