"""The feeds worker for lock tests (`celery -A tests.feeds.slow_render_worker worker -Q
feeds`): while the file named by SLOW_RENDER_FILE exists, rendering a document lasts until it
is removed (or the worker is killed), so that a test can stop a worker holding the render
lock at a moment of its choosing."""

import logging
import os
import time
from pathlib import Path

from sqlmodel import Session

from services.feeds import tasks, worker
from services.feeds.settings import FeedsSettings

SLOW = Path(os.environ["SLOW_RENDER_FILE"])
log = logging.getLogger(__name__)
_render = tasks.render


def render(session: Session, key: str, settings: FeedsSettings) -> None:
    if SLOW.exists():
        log.warning("slow render: started %s", key)
        while SLOW.exists():
            time.sleep(0.05)
    _render(session, key, settings)


# Both callers (the render task and the periodic round) look the name up when they run.
tasks.render = render
app = worker.app
