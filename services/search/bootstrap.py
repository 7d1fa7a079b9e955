"""The search service's composition root: `bootstrap()` wires settings, database, Celery,
outbox and inbox into a `Service`. A function, not an import: its API's factory, its
worker, its CLI and tests call it, with settings of their own if they like."""

from dataclasses import dataclass
from typing import Any

from services.search.migrate import MIGRATIONS
from services.search.models import SearchTable
from services.search.settings import SearchSettings
from shared.runtime import Runtime, build_runtime, overridden


@dataclass
class Service:
    """The search service, wired: what its routes, worker and commands use."""

    settings: SearchSettings
    runtime: Runtime


def bootstrap(settings: SearchSettings | None = None, **overrides: Any) -> Service:
    """The service on `settings` (else the environment's) with `overrides` set. It logs,
    checks the schema and pings Redis: stops the process (SystemExit, one line) if the
    database or Redis cannot be used."""
    settings = overridden(SearchSettings, settings, overrides)
    return Service(settings=settings,
                   runtime=build_runtime(settings, SearchTable.metadata, MIGRATIONS))
