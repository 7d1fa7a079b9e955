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

SLOW = Path(os.environ["SLOW_RENDER_FILE"])
log = logging.getLogger(__name__)
_render = tasks.render


def render(session: Session, key: str) -> None:
    if SLOW.exists():
        log.warning("slow render: started %s", key)
        while SLOW.exists():
            time.sleep(0.05)
    _render(session, key)


# Both callers look the name up when they run: the render task and the periodic round.
tasks.render = render
worker.render = render
app = worker.app
