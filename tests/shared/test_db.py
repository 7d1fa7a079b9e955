"""Timestamps: every column of every service stores UTC and reads back an aware datetime in UTC,
on SQLite (which keeps no zone) and PostgreSQL alike; a naive datetime is refused."""

import importlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from shared.db import UtcDateTime, make_engine
from shared.events import SERVICES
from shared.runtime import with_event_tables
from tests.databases import database_url


def metadata_of(service: str) -> MetaData:
    models = importlib.import_module(f"services.{service}.models")
    table = next(getattr(models, name) for name in dir(models)
                 if name.lower() == f"{service}table")
    return with_event_tables(table.metadata)


@pytest.mark.parametrize("service", SERVICES)
def test_every_timestamp_column_is_utc(service: str) -> None:
    columns = [column for table in metadata_of(service).tables.values()
               for column in table.columns
               if isinstance(getattr(column.type, "impl_instance", column.type), DateTime)]
    assert columns, "no timestamps at all?"
    assert [str(column) for column in columns if not isinstance(column.type, UtcDateTime)] == []


def test_a_timestamp_reads_back_aware_in_utc_and_a_naive_one_is_refused(tmp_path: Path) -> None:
    metadata = MetaData()
    moments = Table("moments", metadata, Column("id", Integer, primary_key=True),
                    Column("at", UtcDateTime(), nullable=True))
    engine = make_engine(database_url(tmp_path, "moments"))
    try:
        metadata.create_all(engine)
        in_paris = datetime(2024, 3, 1, 13, 30, 15, 250, tzinfo=timezone(timedelta(hours=1)))
        with engine.begin() as connection:
            connection.execute(insert(moments).values(id=1, at=in_paris))
            [at] = connection.execute(select(moments.c.at)).scalars()
            # A comparison's parameter is converted too: this finds the row.
            found = connection.execute(select(moments.c.id).where(
                moments.c.at == datetime(2024, 3, 1, 12, 30, 15, 250, tzinfo=UTC))).scalar()
        assert at == in_paris and at.tzinfo is UTC and at.hour == 12 and found == 1
        with pytest.raises(StatementError, match="timezone"), engine.begin() as connection:
            connection.execute(insert(moments).values(id=2, at=datetime(2024, 3, 1, 12)))
    finally:
        engine.dispose()
