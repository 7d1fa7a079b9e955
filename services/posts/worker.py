"""The posts worker (`celery -A services.posts.worker worker -Q posts`): it consumes no events
yet, and sweeps the outbox so every accepted write reaches its consumers."""

from services.posts.bootstrap import runtime

runtime.start_worker_duties()
app = runtime.celery
