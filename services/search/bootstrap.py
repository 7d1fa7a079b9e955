"""The search service's composition root: `bootstrap()` wires settings, database, Celery,
outbox and inbox into a `Service`. A function, not an import: its API's factory, its
worker, its CLI and tests call it, with settings of their own if they like."""

from dataclasses import dataclass, field
from typing import Any

from services.search.migrate import MIGRATIONS
from services.search.models import SearchTable
from services.search.pages import ResultPages
from services.search.settings import SearchSettings
from services.search.version import IndexVersion
from shared.runtime import Runtime, build_runtime, overridden


@dataclass
class Service:
    """The search service, wired: what its routes, worker and commands use."""

    settings: SearchSettings
    runtime: Runtime
    version: IndexVersion
    pages: ResultPages = field(init=False)

    def __post_init__(self) -> None:
        self.pages = ResultPages(max_bytes=self.settings.kept_bytes,
                                 max_pages=self.settings.kept_pages,
                                 max_age=self.settings.kept_seconds)


def bootstrap(settings: SearchSettings | None = None, **overrides: Any) -> Service:
    """The service on `settings` (else the environment's) with `overrides` set. It logs,
    checks the schema and pings Redis: stops the process (SystemExit, one line) if the
    database or Redis cannot be used."""
    settings = overridden(SearchSettings, settings, overrides)
    runtime = build_runtime(settings, SearchTable.metadata, MIGRATIONS)
    return Service(settings=settings, runtime=runtime, version=IndexVersion.of(settings))
