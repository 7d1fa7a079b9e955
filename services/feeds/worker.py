"""The feeds worker: `celery -A services.feeds.worker worker -Q feeds`. An entry point:
importing it wires the service (Celery needs the module's `app`)."""

from services.feeds.bootstrap import bootstrap
from services.feeds.tasks import handlers, register_render_task, renderer

service = bootstrap()
runtime, renders = service.runtime, service.renders
runtime.consume(handlers(service.settings))
register_render_task(service)
render = renderer(service.settings)
renders.watch(render)  # an idle worker renders in the task that marked the documents
# Besides the outbox sweep: render whatever a lost render task left stale.
runtime.start_worker_duties(lambda: renders.render_leftovers(render))
app = runtime.celery
