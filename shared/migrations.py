"""Schema migrations with alembic: one history per service, in `services/<name>/migrations/`,
sharing the environment in `shared/alembic/`.

`python -m services.<name>.migrate upgrade` brings the service's database to the newest
revision (`make migrate` does them all; `make run` and the tests do it before starting);
`… migrate revision -m "what changed"` writes a new migration from the models, to be read and
committed. A service refuses to start while its database is behind (`require_current`).
"""

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect

from shared.db import make_engine

ENVIRONMENT = Path(__file__).parent / "alembic"


class SchemaBehind(SystemExit):
    """The database is not at the newest revision: the service must not start on it."""


def config(url: str, metadata: MetaData, versions: Path) -> Config:
    """Alembic's config for one service's database, tables and history."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ENVIRONMENT))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(versions))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes.update(url=url, metadata=metadata)
    return cfg


def run_migrations() -> None:
    """Run from `shared/alembic/env.py`: migrate the configured database, online."""
    from alembic import context

    url, metadata = context.config.attributes["url"], context.config.attributes["metadata"]
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=metadata,
                              render_as_batch=url.startswith("sqlite"), compare_type=True,
                              include_name=modelled(metadata))
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def modelled(metadata: MetaData) -> Callable[[str | None, str, Any], bool]:
    """Alembic's `include_name`: False for what a service's migrations make by hand and its
    models cannot describe (a full-text index: an FTS5 table, a tsvector column), which the
    service names in `metadata.info["unmodelled"]` (table names, and "table.column")."""
    unmodelled: set[str] = set(metadata.info.get("unmodelled", ()))

    def include(name: str | None, kind: str, parents: Any) -> bool:
        if kind == "column":
            return f"{parents.get('table_name')}.{name}" not in unmodelled
        return name not in unmodelled

    return include


def head(versions: Path, metadata: MetaData) -> str | None:
    """The newest revision of a history."""
    return ScriptDirectory.from_config(config("", metadata, versions)).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def differences(engine: Engine, metadata: MetaData) -> list[object]:
    """What differs between the database's schema and the models (empty: nothing)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_name": modelled(metadata)})
        return list(compare_metadata(context, metadata))


def require_current(engine: Engine, metadata: MetaData, versions: Path, service: str) -> None:
    """SchemaBehind (one line, exit status 1) unless the database is at the newest revision."""
    at, newest = current(engine), head(versions, metadata)
    if at == newest:
        return
    how = f"run `python -m services.{service}.migrate upgrade` (or `make migrate`)"
    if at is None and "outbox" in inspect(engine).get_table_names():
        raise SchemaBehind(f"{service}: this database predates migrations; {how} after "
                           f"`python -m services.{service}.migrate stamp` if its tables "
                           "match the first revision, or start from an empty database")
    raise SchemaBehind(f"{service}: the database schema is at {at or 'nothing'}, this code "
                       f"needs {newest}: {how}")


def main(service: str, url: str, metadata: MetaData, versions: Path,
         argv: list[str] | None = None) -> int:
    """The `python -m services.<name>.migrate` command line."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}.migrate")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="bring the database to the newest revision")
    commands.add_parser("current", help="print the revision the database is at")
    commands.add_parser("stamp", help="record the first revision without running it")
    revision = commands.add_parser("revision", help="write a migration from the models")
    revision.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"{service}: %(message)s")
    cfg = config(url, metadata, versions)
    if args.command == "upgrade":
        engine = make_engine(url)
        unversioned = current(engine) is None and "outbox" in inspect(engine).get_table_names()
        engine.dispose()
        if unversioned:
            print(f"{service}: this database was made before migrations; run `python -m "
                  f"services.{service}.migrate stamp` if its tables match the first revision, "
                  "or start from an empty database (for `make run`: delete var/)",
                  file=sys.stderr)
            return 1
        command.upgrade(cfg, "head")
    elif args.command == "current":
        engine = make_engine(url)
        print(current(engine) or "nothing")
        engine.dispose()
    elif args.command == "stamp":
        command.stamp(cfg, ScriptDirectory.from_config(cfg).get_base() or "base")
    else:
        command.revision(cfg, message=args.message, autogenerate=True)
    return 0
