"""The posts service's composition root: `bootstrap()` wires settings, database, Celery and
outbox into a `Service`. A function, not an import: whoever runs the service (its API's
factory, its worker, its CLI, a test) calls it, with settings of its own if it likes."""

from dataclasses import dataclass
from typing import Any

from services.posts.migrate import MIGRATIONS
from services.posts.models import PostsTable
from services.posts.settings import PostsSettings
from shared.runtime import Runtime, build_runtime, overridden


@dataclass
class Service:
    """The posts service, wired: what its routes, worker and commands use."""

    settings: PostsSettings
    runtime: Runtime


def bootstrap(settings: PostsSettings | None = None, **overrides: Any) -> Service:
    """The service on `settings` (else the environment's) with `overrides` set, e.g.
    `bootstrap(database_url=…)`. It logs, checks the schema and pings Redis: stops the
    process (SystemExit, one line) if the database or Redis cannot be used."""
    settings = overridden(PostsSettings, settings, overrides)
    return Service(settings=settings, runtime=build_runtime(settings, PostsTable.metadata,
                                                            MIGRATIONS))
