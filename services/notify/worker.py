"""The notify worker: `celery -A services.notify.worker worker -Q notify`."""

from services.notify.bootstrap import deliveries, runtime, sender, settings
from services.notify.sender import stop_budget
from services.notify.tasks import HANDLERS

runtime.consume(HANDLERS)
# Besides the outbox sweep: fold digests. Sending is the sending threads' job (`sender.py`),
# so a slow SMTP server never holds up the sweep.
runtime.start_worker_duties(deliveries.fold_digests)
sender.run_in_worker(runtime.celery, stop_timeout=stop_budget(settings))
app = runtime.celery
