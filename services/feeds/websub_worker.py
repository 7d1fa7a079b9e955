"""The WebSub pinger: `celery -A services.feeds.websub_worker worker -Q feeds-websub -P threads`.

Only with `BURG_FEEDS_WEBSUB_HUB` set. Pings wait on the hub's answer, so they get a worker of
their own, with threads: the feeds worker's renders never wait behind a hub."""

from services.feeds.bootstrap import runtime

app = runtime.celery
