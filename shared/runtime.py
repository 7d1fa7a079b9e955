"""The composition root every service shares: settings, engine, sessions, Celery, outbox and
inbox wired together once, so API routes, tasks and CLI commands get the same pieces."""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import redis
from celery import Celery
from celery.signals import worker_init, worker_process_init
from sqlalchemy import Engine, MetaData, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import sessionmaker

from shared.broker import DEAD_LETTERS
from shared.celery_app import make_celery, run_periodically_in_worker
from shared.consumer import register_event_task
from shared.db import create_schema, make_engine, make_session_factory
from shared.embedded_redis import redis_url
from shared.forks import guard_orm_configuration
from shared.inbox import Handler, Inbox, dead_letter_table, inbox_table
from shared.migrations import require_current
from shared.observability import configure_logging, serve_metrics
from shared.outbox import Outbox, outbox_table
from shared.redelivery import redeliver
from shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


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
    broker: redis.Redis  # a client of the broker's Redis for checks, with short timeouts

    def consume(self, handlers: Mapping[str, Handler],
                transient: tuple[type[Exception], ...] = ()) -> None:
        """Make this service's worker handle these event types (through the inbox), retrying
        its own `transient` faults as well as the common ones."""
        self.inbox.handlers.update(handlers)
        register_event_task(self.celery, self.name, self.inbox, transient)

    def health(self) -> dict[str, str]:
        """Whether the database and Redis answer: "ok", or "down: why" for each."""
        checks: dict[str, str] = {}
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"down: {_first_line(exc)}"
        try:
            self.broker.ping()
            checks["redis"] = "ok"
        except (redis.RedisError, OSError) as exc:
            checks["redis"] = f"down: {_first_line(exc)}"
        return checks

    def start_worker_duties(self, *also: Callable[[], object]) -> None:
        """In a worker: sweep the outbox, send again what no consumer confirmed (and run
        `also`) periodically; never share pooled connections across a fork."""

        def duties() -> None:
            self.outbox.sweep()
            redeliver(self.outbox)
            for job in also:
                job()

        guard_orm_configuration()  # before any of the worker's threads or forks
        run_periodically_in_worker(self.celery, self.settings.outbox_sweep_seconds, duties)
        # Whatever lands on this worker's queue that is no task of its own is kept, even in a
        # service that consumes no events (posts).
        DEAD_LETTERS.setdefault(self.name, self.inbox.bury)
        worker_process_init.connect(lambda **_: self.engine.dispose(close=False), weak=False)
        if port := self.settings.worker_metrics_port:
            worker_init.connect(lambda **_: serve_metrics(port), weak=False)


def overridden(kind: type[S], settings: S | None, overrides: dict[str, Any]) -> S:
    """`settings` (else read from the environment) with `overrides` by field name, validated
    as the environment's would be: what a service's `bootstrap(**overrides)` runs with."""
    if settings is None:
        return kind(**overrides)
    return type(settings)(**(settings.model_dump() | overrides)) if overrides else settings


def with_event_tables(metadata: MetaData) -> MetaData:
    """A service's tables plus its outbox, inbox and dead letters (added once)."""
    if "outbox" not in metadata.tables:
        outbox_table(metadata)
        inbox_table(metadata)
        dead_letter_table(metadata)
    return metadata


def build_runtime(settings: ServiceSettings, metadata: MetaData,
                  migrations: Path | None = None) -> Runtime:
    """Wire a service: its tables (plus outbox, inbox and dead letters) in `metadata`. With
    `migrations` (its alembic history) the database must be at the newest revision, or the
    process stops with one line saying what to run; without, missing tables are created."""
    configure_logging(settings.service, settings.log_level, settings.log_format)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # only the schema check runs here
    name = settings.service
    with_event_tables(metadata)
    outbox_tbl = metadata.tables["outbox"]
    inbox_tbl, dead_tbl = metadata.tables["inbox"], metadata.tables["dead_letter"]
    try:
        engine = make_engine(settings.database, pool_size=settings.db_pool_size,
                             max_overflow=settings.db_max_overflow)
        if migrations is None:
            create_schema(engine, metadata)
        else:
            require_current(engine, metadata, migrations, name)
    except (ArgumentError, DBAPIError) as exc:  # a wrong URL, a server that is not there
        raise SystemExit(f"{name}: cannot use the database at {_shown(settings.database)}: "
                         f"{_first_line(exc)}") from None
    broker = redis_url(settings.redis_url, settings.data_dir)
    checks = redis.Redis.from_url(broker, socket_connect_timeout=2, socket_timeout=2)
    try:
        checks.ping()
    except (redis.RedisError, ValueError) as exc:
        raise SystemExit(f"{name}: cannot reach Redis at {_shown(broker)}: "
                         f"{_first_line(exc)}") from None
    sessions = make_session_factory(engine)
    celery = make_celery(name, settings, broker)
    outbox = Outbox(table=outbox_tbl, engine=engine, celery=celery, producer=name,
                    redeliver_after=settings.redeliver_after, relay_pace=settings.relay_pace)
    outbox.relay_after_commit(sessions)
    inbox = Inbox(table=inbox_tbl, dead_letters=dead_tbl, sessions=sessions, outbox=outbox)
    return Runtime(name=name, settings=settings, engine=engine, sessions=sessions,
                   celery=celery, outbox=outbox, inbox=inbox, broker=checks)


def _shown(url: str) -> str:
    """A URL as it may appear in a log line: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a URL that does not parse)"


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]

