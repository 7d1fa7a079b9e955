"""The WebSub pinger: `celery -A services.feeds.websub_worker worker -Q feeds-websub -P threads`.

Only with `BURG_FEEDS_WEBSUB_HUB` set. Pings wait on the hub's answer, so they get a worker of
their own, with threads: the feeds worker's renders never wait behind a hub. An entry point:
importing it wires the service (Celery needs the module's `app`)."""

from services.feeds.bootstrap import bootstrap
from services.feeds.websub import QUEUE
from shared.broker import DEAD_LETTERS

runtime = bootstrap().runtime
# What this worker cannot handle on its queue (not a message, not a task it knows) goes to
# the feeds service's dead letters, which `replay-dead-letters` puts back on this queue.
DEAD_LETTERS[QUEUE] = runtime.inbox.bury
app = runtime.celery
