"""The use-case layer: each service's rules, one test per rule, in process and in
milliseconds, so that a broken rule fails by its name and not somewhere inside a whole-stack
scenario (the unit layer of cosmicpython's test pyramid; the stack tests stay the e2e layer).

One folder for all four services (`test_<service>.py`), because the wiring is the same for
each: `wire` builds, per test, what `shared/runtime.py` builds for a running service, minus
everything that talks to another process:

- a real database of its own, a SQLite file in the test's tmp_path, its tables made from the
  service's metadata. SQLite in the PostgreSQL pass too: a database per test costs over half
  a second on a PostgreSQL server (the layer took 50 s there, a few seconds on SQLite), and
  what differs between the two (upserts, locking) is checked on both by `tests/shared/`,
  the services' own in-process tests and the stack tests;
- the session factory of `shared/db.py`;
- an `Outbox` whose relay is never started: `relay_after_commit` is not called and no sweep
  runs, so an event is a row in the `outbox` table and nothing more. Its Celery app is a bare
  `Celery()` that nothing sends through, and `events()` checks every row is still unsent;
- an `Inbox` with the handlers a test passes: events are applied as the worker applies them
  (the event id first, then the handler, in one transaction), without a worker or a queue.

No Redis, no Celery worker, no HTTP, and nothing from a service's `bootstrap.py` or `api.py`:
the use-case modules are called directly, as their API routes and event tasks call them.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import Celery
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from shared.db import create_schema, make_engine, make_session_factory
from shared.events import Envelope, Event
from shared.inbox import Handler, Inbox
from shared.outbox import Outbox
from shared.runtime import with_event_tables
from tests.databases import as_json


@dataclass
class Wired:
    """One service's pieces on a database of its own; see the module's docstring."""

    name: str
    engine: Engine
    sessions: sessionmaker[Session]
    outbox: Outbox
    inbox: Inbox
    handled: list[dict[str, Any]] = field(default_factory=list)  # envelopes given to `handle`

    def session(self) -> Session:
        session: Session = self.sessions()
        return session

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        """(type, data) of every event the use cases recorded, oldest first. None was sent:
        no relay runs here, and a row marked sent would mean one did."""
        table = self.outbox.table
        with self.engine.connect() as connection:
            rows = connection.execute(select(table.c.type, table.c.envelope, table.c.sent_at)
                                      .order_by(table.c.seq)).all()
        assert all(sent_at is None for _, _, sent_at in rows), "an outbox row was sent"
        return [(kind, as_json(envelope)["data"]) for kind, envelope, _ in rows]

    def event_types(self) -> list[str]:
        return [kind for kind, _ in self.events()]

    def handle(self, event: Event, *, producer: str = "tests",
               envelope: Mapping[str, Any] | None = None) -> bool:
        """Deliver `event` (or exactly `envelope`, a copy say) through the inbox, as the
        service's worker does; False if the inbox skipped it."""
        raw = dict(envelope) if envelope is not None else Envelope.wrap(
            event, producer=producer).model_dump(mode="json")
        self.handled.append(raw)
        return self.inbox.handle(raw)


@contextmanager
def wire(tmp_path: Path, name: str, metadata: MetaData,
         handlers: Mapping[str, Handler] | None = None) -> Iterator[Wired]:
    """The service `name` with the tables of `metadata` (and the event tables), on a new
    database beside `tmp_path`; its engine is disposed of afterwards."""
    metadata = with_event_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / name}.db")
    create_schema(engine, metadata)
    sessions = make_session_factory(engine)
    outbox = Outbox(table=metadata.tables["outbox"], engine=engine, celery=Celery(name),
                    producer=name)  # no relay_after_commit: nothing is ever sent
    inbox = Inbox(table=metadata.tables["inbox"], dead_letters=metadata.tables["dead_letter"],
                  sessions=sessions, handlers=handlers, outbox=outbox)
    try:
        yield Wired(name=name, engine=engine, sessions=sessions, outbox=outbox, inbox=inbox)
    finally:
        engine.dispose()
