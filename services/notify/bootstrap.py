"""The notify service's composition root: `bootstrap()` wires settings, database, Celery,
outbox, inbox, the link tokens, the deliveries, their sender (the worker's sending threads)
and their upkeep into a `Service`. A function, not an import: its API's factory, its worker,
its CLI and tests call it, with settings (and a clock) of their own if they like."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.notify.claims import on_commit
from services.notify.delivery import Deliveries
from services.notify.migrate import MIGRATIONS
from services.notify.models import NotifyTable
from services.notify.sender import Sender
from services.notify.settings import NotifySettings
from services.notify.tokens import Tokens
from services.notify.upkeep import Upkeep
from shared.events import Clock, utcnow
from shared.runtime import Runtime, build_runtime, overridden
from shared.sealing import local_private_keys


@dataclass
class Service:
    """The notify service, wired: what its routes, worker and commands use."""

    settings: NotifySettings
    runtime: Runtime
    tokens: Tokens
    deliveries: Deliveries
    sender: Sender
    upkeep: Upkeep
    # Called with (key, claim or None) of each e-mail a commit stored. A task never sends
    # (see `sender.py`): this hands them to the sending threads of the worker it runs in
    # (claimed for them when they run), or wakes them; a test may send there and then instead.
    on_queued: Callable[[list[tuple[str, str | None]]], object]


def bootstrap(settings: NotifySettings | None = None, *, clock: Clock = utcnow,
              **overrides: Any) -> Service:
    """The service on `settings` (else the environment's) with `overrides` set; `clock` is
    the deliveries' time (retries, leases, digests). It logs, checks the schema and pings
    Redis: stops the process (SystemExit, one line) if the database or Redis cannot be used."""
    settings = overridden(NotifySettings, settings, overrides)
    settings.private_keys = settings.private_keys or ",".join(local_private_keys(settings.data_dir))
    runtime = build_runtime(settings, NotifyTable.metadata, MIGRATIONS)
    if not settings.private_keys:
        logging.getLogger(__name__).warning(
            "no BURG_NOTIFY_PRIVATE_KEYS: requests for e-mail cannot be opened and will wait "
            "in the dead letters")
    tokens = Tokens(settings)
    deliveries = Deliveries(settings=settings, sessions=runtime.sessions, tokens=tokens,
                            clock=clock)
    sender = Sender(deliveries, threads=settings.send_threads,
                    poll_seconds=settings.send_poll_seconds)
    service = Service(settings=settings, runtime=runtime, tokens=tokens, deliveries=deliveries,
                      sender=sender, upkeep=Upkeep(settings=settings, sessions=runtime.sessions,
                                                   clock=clock),
                      on_queued=sender.hand_over)
    on_commit(runtime.sessions, settings=settings, clock=clock,
              claim_for=sender.takes_hand_overs,
              then=lambda handed: service.on_queued(handed))
    return service
