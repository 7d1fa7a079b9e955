"""The composition root every service shares: settings, engine, sessions, Celery, outbox and
inbox wired together once, so API routes, tasks and CLI commands get the same pieces."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import sessionmaker

from shared.celery_app import make_celery, run_periodically_in_worker
from shared.consumer import register_event_task
from shared.db import create_schema, make_engine, make_session_factory
from shared.embedded_redis import redis_url
from shared.inbox import Handler, Inbox, dead_letter_table, inbox_table
from shared.outbox import Outbox, outbox_table
from shared.settings import ServiceSettings


@dataclass
class Runtime:
    """Everything one service process needs, built once by `build_runtime`."""

    name: str
    settings: ServiceSettings
    engine: Engine
    sessions: sessionmaker[Any]
    celery: Celery
    outbox: Outbox
    inbox: Inbox

    def consume(self, handlers: Mapping[str, Handler]) -> None:
        """Make this service's worker handle these event types (through the inbox)."""
        self.inbox.handlers.update(handlers)
        register_event_task(self.celery, self.name, self.inbox)

    def start_worker_duties(self) -> None:
        """In a worker: sweep the outbox periodically; never share pooled connections
        across a fork."""
        run_periodically_in_worker(self.celery, self.settings.outbox_sweep_seconds,
                                   self.outbox.sweep)
        worker_process_init.connect(lambda **_: self.engine.dispose(close=False), weak=False)


def build_runtime(settings: ServiceSettings, metadata: MetaData) -> Runtime:
    """Wire a service: its tables (plus outbox, inbox and dead letters) in `metadata`."""
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    name = settings.service
    outbox_tbl = outbox_table(metadata)
    inbox_tbl, dead_tbl = inbox_table(metadata), dead_letter_table(metadata)
    engine = make_engine(settings.database)
    create_schema(engine, metadata)
    sessions = make_session_factory(engine)
    celery = make_celery(name, settings, redis_url(settings.redis_url, settings.data_dir))
    outbox = Outbox(table=outbox_tbl, engine=engine, celery=celery, producer=name)
    outbox.relay_after_commit(sessions)
    inbox = Inbox(table=inbox_tbl, dead_letters=dead_tbl, sessions=sessions)
    return Runtime(name=name, settings=settings, engine=engine, sessions=sessions,
                   celery=celery, outbox=outbox, inbox=inbox)
