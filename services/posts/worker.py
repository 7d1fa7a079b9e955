"""The posts worker (`celery -A services.posts.worker worker -Q posts`): it consumes no events
yet, and sweeps the outbox so every accepted write reaches its consumers. An entry point:
importing it wires the service (Celery needs the module's `app`)."""

from services.posts.bootstrap import bootstrap

runtime = bootstrap().runtime
runtime.start_worker_duties()
app = runtime.celery
