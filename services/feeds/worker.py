"""The feeds worker: `celery -A services.feeds.worker worker -Q feeds`."""

from services.feeds.bootstrap import renders, runtime
from services.feeds.tasks import HANDLERS, render

runtime.consume(HANDLERS)
renders.watch()
# Besides the outbox sweep: render whatever a lost render task left stale.
runtime.start_worker_duties(lambda: renders.render_leftovers(render))
app = runtime.celery
