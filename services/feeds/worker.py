"""The feeds worker: `celery -A services.feeds.worker worker -Q feeds`. An entry point:
importing it wires the service (Celery needs the module's `app`)."""

from services.feeds.bootstrap import bootstrap
from services.feeds.tasks import handlers, register_render_task, renderer

service = bootstrap()
runtime, renders = service.runtime, service.renders
runtime.consume(handlers(service.settings))
register_render_task(service)
renders.watch()
# Besides the outbox sweep: render whatever a lost render task left stale.
render = renderer(service.settings)
runtime.start_worker_duties(lambda: renders.render_leftovers(render))
app = runtime.celery
