"""The databases the tests run on: SQLite files (the default), or PostgreSQL when
`BURG_TEST_DATABASE=postgresql` (`make test` runs the suite both ways).

On PostgreSQL every call to `database_url` creates a database of its own on the server at
`BURG_TEST_POSTGRES_URL` (trust auth, as on CI), and `drop_all` drops them at the end."""

import importlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, MetaData, create_engine, text

from shared.events import SERVICES
from shared.migrations import config
from shared.runtime import with_event_tables

BACKEND = os.environ.get("BURG_TEST_DATABASE", "sqlite")
ADMIN_URL = os.environ.get("BURG_TEST_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_made: dict[tuple[Path, str], str] = {}  # (folder, name) → URL


def database_url(folder: Path, name: str) -> str:
    """The database for `name` beside `folder` (a test's tmp_path, say), empty when first
    asked for: a SQLite file in `folder`, or a PostgreSQL database of its own."""
    if BACKEND == "sqlite":
        return f"sqlite:///{folder / name}.db"
    if (folder, name) not in _made:
        database = f"burg_test_{uuid.uuid4().hex[:10]}_{name}"
        with _admin().connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        _made[folder, name] = f"{ADMIN_URL.rsplit('/', 1)[0]}/{database}"
    return _made[folder, name]


def service_databases(folder: Path) -> dict[str, str]:
    """`BURG_<SERVICE>_DATABASE_URL` for each service, each a new database."""
    return {f"BURG_{name.upper()}_DATABASE_URL": database_url(folder, name) for name in SERVICES}


def sql(url: str, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run one SQL statement (`:name` parameters) on the database at `url`, committed; the
    rows it returns, if any."""
    engine = _engines.get(url) or _engines.setdefault(url, create_engine(url))
    with engine.begin() as connection:
        result = connection.execute(text(statement), params)
        return [tuple(row) for row in result] if result.returns_rows else []


def as_json(value: Any) -> Any:
    """A JSON column's value: PostgreSQL gives it parsed, SQLite as text."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def drop_all() -> None:
    """Drop every database this test run made."""
    for engine in _engines.values():
        engine.dispose()
    if not _made:
        return
    with _admin().connect() as connection:
        for url in _made.values():
            database = url.rsplit("/", 1)[1]
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    _made.clear()


_engines: dict[str, Engine] = {}


def _admin() -> Engine:
    if "admin" not in _engines:
        _engines["admin"] = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    return _engines["admin"]


def metadata_of(service: str) -> MetaData:
    """The tables of a service as its models declare them, with the event tables."""
    models = importlib.import_module(f"services.{service}.models")
    table = next(getattr(models, name) for name in dir(models)
                 if name.lower() == f"{service}table")
    return with_event_tables(table.metadata)


def migrated(service: str, url: str) -> str:
    """`url`, once the service's migrations have brought it to the newest revision."""
    module = importlib.import_module(f"services.{service}.migrate")
    command.upgrade(config(url, metadata_of(service), module.MIGRATIONS), "head")
    return url
