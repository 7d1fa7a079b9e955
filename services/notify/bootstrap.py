"""The notify service's composition root: settings, database, Celery, outbox, inbox, the
link tokens, the deliveries and their sender (the worker's sending threads)."""

import logging

from services.notify.delivery import QUEUED, Deliveries
from services.notify.migrate import MIGRATIONS
from services.notify.models import NotifyTable
from services.notify.sender import Sender
from services.notify.settings import NotifySettings
from services.notify.tokens import Tokens
from shared.db import after_commit
from shared.runtime import build_runtime
from shared.sealing import local_private_keys

settings = NotifySettings()
settings.private_keys = settings.private_keys or ",".join(local_private_keys(settings.data_dir))
runtime = build_runtime(settings, NotifyTable.metadata, MIGRATIONS)
if not settings.private_keys:
    logging.getLogger(__name__).warning(
        "no BURG_NOTIFY_PRIVATE_KEYS: requests for e-mail cannot be opened and will wait in "
        "the dead letters")
tokens = Tokens(settings)
deliveries = Deliveries(settings=settings, sessions=runtime.sessions, tokens=tokens)
sender = Sender(deliveries, threads=settings.send_threads,
                poll_seconds=settings.send_poll_seconds)
# A task never sends (see `sender.py`); where the sender runs in the same process (a worker
# with a thread pool), a commit that queued e-mail wakes it.
after_commit(runtime.sessions, QUEUED, lambda _keys: sender.wake())
