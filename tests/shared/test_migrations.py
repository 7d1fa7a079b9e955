"""Each service's alembic history builds, from an empty database, exactly the tables its models
describe; a service will not start on a database that is behind, or that it cannot reach, and
says so in one line."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from shared.db import make_engine
from shared.events import SERVICES
from shared.migrations import config, current, differences, head
from tests.databases import database_url, metadata_of, migrated, sql


@pytest.mark.parametrize("service", SERVICES)
def test_every_migration_from_empty_matches_the_models(tmp_path: Path, service: str) -> None:
    url = migrated(service, database_url(tmp_path, service))
    engine = make_engine(url)
    try:
        versions = importlib.import_module(f"services.{service}.migrate").MIGRATIONS
        assert current(engine) == head(versions, metadata_of(service)) is not None
        assert differences(engine, metadata_of(service)) == []
    finally:
        engine.dispose()


def cli(service: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", f"services.{service}.{args[0]}", *args[1:]],
                          env=dict(os.environ) | env, capture_output=True, text=True,
                          timeout=120)


def test_a_service_refuses_a_database_that_is_behind_until_upgraded(
        tmp_path: Path, redis_url: str) -> None:
    url = database_url(tmp_path, "posts")
    env = {"BURG_POSTS_DATABASE_URL": url, "BURG_REDIS_URL": redis_url,
           "BURG_DATA_DIR": str(tmp_path)}
    refused = cli("posts", env, "cli", "dead-letters")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    [line] = refused.stderr.strip().splitlines()
    assert "schema is at nothing" in line and "migrate upgrade" in line
    assert cli("posts", env, "migrate", "upgrade").returncode == 0
    assert cli("posts", env, "migrate", "current").stdout.strip() != "nothing"
    assert cli("posts", env, "cli", "dead-letters").returncode == 0


@pytest.mark.parametrize("setting, value, words", [
    ("BURG_POSTS_DATABASE_URL", "postgresql+psycopg://burg:secret@127.0.0.1:1/posts",
     "cannot use the database at postgresql+psycopg://burg:***@127.0.0.1:1/posts"),
    ("BURG_POSTS_DATABASE_URL", "nonsense://", "cannot use the database"),
    ("BURG_REDIS_URL", "redis://127.0.0.1:1/0", "cannot reach Redis at redis://127.0.0.1:1/0"),
])
def test_a_wrong_database_or_redis_is_one_clear_line(
        tmp_path: Path, redis_url: str, setting: str, value: str, words: str) -> None:
    url = migrated("posts", database_url(tmp_path, "posts"))
    env = {"BURG_POSTS_DATABASE_URL": url, "BURG_REDIS_URL": redis_url,
           "BURG_DATA_DIR": str(tmp_path), setting: value}
    run = cli("posts", env, "cli", "dead-letters")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    assert words in line and "secret" not in line


def test_upgrading_a_database_with_rows_keeps_them(tmp_path: Path) -> None:
    """The comments history past its first revision, run over a database that has data."""
    url = database_url(tmp_path, "comments")
    metadata = metadata_of("comments")
    versions = importlib.import_module("services.comments.migrate").MIGRATIONS
    first = ScriptDirectory.from_config(config(url, metadata, versions)).get_base()
    assert first is not None and first != head(versions, metadata)
    command.upgrade(config(url, metadata, versions), first)
    sql(url, "INSERT INTO articlereplica (article_id, slug, title, url, retracted, "
             "comment_count, followed) VALUES (7, 'ferry', 'Ferry', 'https://x/ferry', "
             "false, 3, false)")
    migrated("comments", url)
    assert sql(url, "SELECT slug, comment_count FROM articlereplica") == [("ferry", 3)]
