"""Statements run on the DBAPI cursor (`shared/direct.py`) store and read what SQLAlchemy's
execution would: typed values both ways, column defaults, SQLAlchemy's errors, and the
engine's `before_cursor_execute` listeners see them; on SQLite and PostgreSQL alike."""

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from shared.db import UtcDateTime, make_engine, stored_as_text
from shared.direct import Direct
from tests.databases import database_url


class Colour(StrEnum):
    red = "red"
    blue = "blue"


metadata = MetaData()
things = Table("things", metadata, Column("id", Integer, primary_key=True),
               Column("name", String(20), nullable=False, unique=True),
               Column("at", UtcDateTime(), nullable=False),
               Column("shown", Boolean, nullable=False),
               Column("colour", stored_as_text(Colour), nullable=False),
               Column("data", JSON, nullable=False),
               Column("count", Integer, nullable=False, default=7))
NEW = Direct(insert(things).returning(things.c.id))
READ = Direct(select(things.c.name, things.c.at, things.c.shown, things.c.colour,
                     things.c.data, things.c.count).where(things.c.id == bindparam("thing")))
# Values held in the statement, not given: bound under names SQLAlchemy makes up.
BLUE_ONES = Direct(select(things.c.name).where(things.c.colour == Colour.blue,
                                               things.c.shown.is_(True)).order_by(things.c.name))
COUNT = Direct(update(things).where(things.c.id == bindparam("thing"))
               .values(count=things.c.count + 1).returning(things.c.count))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(database_url(tmp_path, "direct"))
    metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def test_values_go_in_and_come_back_as_sqlalchemy_would_give_them(engine: Engine) -> None:
    at = datetime(2026, 5, 4, 12, 30, tzinfo=UTC)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    with engine.begin() as conn:
        thing = NEW.first(conn, {"name": "a", "at": at, "shown": True, "colour": Colour.blue,
                                 "data": {"k": [1, "two"]}}).id
        assert COUNT.first(conn, {"thing": thing}).count == 8  # its default, 7, plus one
        for name, colour in (("b", Colour.red), ("c", Colour.blue)):
            NEW.run(conn, {"name": name, "at": at, "shown": True, "colour": colour, "data": []})
        assert [row.name for row in BLUE_ONES.rows(conn, {})] == ["a", "c"]
    with engine.connect() as conn:
        row = READ.first(conn, {"thing": thing})
        assert READ.first(conn, {"thing": thing + 10}) is None
        core = conn.execute(READ.statement, {"thing": thing}).one()
    assert row == tuple(core)
    assert (row.name, row.at, row.shown, row.colour, row.data, row.count) == (
        "a", at, True, Colour.blue, {"k": [1, "two"]}, 8)
    assert row.shown is True and row.colour is Colour.blue
    assert [statement.split()[0] for statement in seen] == [
        "INSERT", "UPDATE", "INSERT", "INSERT", "SELECT", "SELECT", "SELECT", "SELECT"]


def test_a_refused_row_is_sqlalchemys_integrity_error_and_nothing_is_kept(engine: Engine
                                                                          ) -> None:
    values = {"name": "same", "at": datetime.now(UTC), "shown": False, "colour": Colour.red,
              "data": {}}
    with engine.begin() as conn:
        NEW.run(conn, values)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        NEW.run(conn, values | {"name": "other"})
        NEW.run(conn, values)
    with engine.connect() as conn:
        assert conn.execute(select(things.c.name)).scalars().all() == ["same"]


def test_run_many_runs_a_statement_for_each_row_in_one_call(engine: Engine) -> None:
    rename = Direct(update(things).where(things.c.id == bindparam("thing"))
                    .values(name=bindparam("new_name"), data=bindparam("new_data")))
    seen: list[bool] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[5]))
    with engine.begin() as conn:
        ids = [NEW.first(conn, {"name": name, "at": datetime.now(UTC), "shown": False,
                                "colour": Colour.red, "data": None}).id for name in "xyz"]
        rename.run_many(conn, [{"thing": ids[0], "new_name": "x2", "new_data": {"n": 1}},
                               {"thing": ids[2], "new_name": "z2", "new_data": [2]}])
        assert conn.execute(select(things.c.name, things.c.data).order_by(things.c.id)
                            ).all() == [("x2", {"n": 1}), ("y", None), ("z2", [2])]
    assert seen == [False, False, False, True, False]  # executemany once
