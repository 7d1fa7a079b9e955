"""Alembic's environment, the same for every service: the service's database URL and tables
come in the config's attributes (see `shared/migrations.py`)."""

from shared.migrations import run_migrations

run_migrations()
