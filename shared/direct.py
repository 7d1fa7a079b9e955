"""Core statements compiled once per database, run straight on the DBAPI cursor of a
SQLAlchemy connection, in its transaction.

A statement run through `Connection.execute` costs about 100 µs of SQLAlchemy's bookkeeping
(its cache lookup, the execution context, the result object) around 20 µs of the driver's
work, whatever the statement: in the comment POST, nine statements made a third of the API's
CPU. `Direct` keeps what that bookkeeping works out each time, once per dialect: the SQL
text, the order of its parameters, the types' conversions of values going in and of columns
coming out. The rest stays SQLAlchemy's: the connection and its transaction (the session's),
the `before_cursor_execute` listeners (SQLite's writers taking turns, tests counting
statements), and the errors, which come out as SQLAlchemy's (`IntegrityError`,
`DataError`, `OperationalError`…) after it has dealt with a lost connection.

Only for statements run often, with the same keys each time: anything else is clearer through
`Connection.execute`.
"""

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True)
class _Form:
    """A statement as one dialect runs it, with these parameter keys."""

    sql: str
    compiled: Any  # SQLAlchemy's Compiled: it knows the bound values the statement holds
    order: tuple[str, ...] | None  # bind names in the order of a positional paramstyle
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # conversions of values going in
    defaults: tuple[tuple[str, Any], ...]  # columns left out that have a default value
    row: Any  # a named tuple of the columns the statement returns, None if none
    columns: tuple[tuple[int, Callable[[Any], Any]], ...]  # conversions of columns coming out


class Direct:
    """`statement` (a SELECT, or an INSERT, UPDATE or DELETE, with RETURNING or without),
    run on a connection's DBAPI cursor; its rows are named tuples of its columns' keys."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._forms: dict[tuple[Dialect, tuple[str, ...]], _Form] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Run the statement with `params` in `conn`'s transaction: the rows it returns."""
        form, cursor = self._execute(conn, params)
        try:
            rows = cursor.fetchall() if form.row is not None else []
        except Exception as exc:
            conn._handle_dbapi_exception(exc, form.sql, None, cursor, None)
        finally:
            cursor.close()
        return [self._row(form, row) for row in rows]

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """The first row the statement returns with `params`, None if none."""
        rows = self.rows(conn, params)
        return rows[0] if rows else None

    def run(self, conn: Connection, params: Mapping[str, Any]) -> None:
        """Run the statement with `params`; whatever it returns is read and dropped."""
        self.rows(conn, params)

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement (one without RETURNING) once for each of `rows`, all with the
        same keys, in one call of the driver (its `executemany`)."""
        form = self._form_for(conn.dialect, rows[0])
        parameters = [self._parameters(form, row) for row in rows]
        cursor = conn.connection.cursor()
        try:
            conn.dispatch.before_cursor_execute(conn, cursor, form.sql, parameters, None, True)
            cursor.executemany(form.sql, parameters)
        except Exception as exc:
            conn._handle_dbapi_exception(exc, form.sql, parameters, cursor, None)
        finally:
            cursor.close()

    def _execute(self, conn: Connection, params: Mapping[str, Any]) -> tuple[_Form, Any]:
        form = self._form_for(conn.dialect, params)
        parameters = self._parameters(form, params)
        cursor = conn.connection.cursor()  # the session's connection, in its transaction
        try:
            conn.dispatch.before_cursor_execute(conn, cursor, form.sql, parameters, None, False)
            cursor.execute(form.sql, parameters)
        except Exception as exc:  # as SQLAlchemy's own error, the connection seen to
            cursor.close()
            conn._handle_dbapi_exception(exc, form.sql, parameters, cursor, None)
        return form, cursor

    def _form_for(self, dialect: Dialect, params: Mapping[str, Any]) -> _Form:
        form = self._forms.get((dialect, tuple(params)))
        if form is None:
            form = self._forms[dialect, tuple(params)] = self._form(dialect, params)
        return form

    @staticmethod
    def _parameters(form: _Form, params: Mapping[str, Any]) -> Any:
        """`params` as the driver takes them: every bound value, converted, in order."""
        values = form.compiled.construct_params(params)
        for name, value in form.defaults:
            values[name] = value
        for name, convert in form.binds:
            values[name] = convert(values[name])
        return values if form.order is None else tuple(values[n] for n in form.order)

    def _form(self, dialect: Dialect, params: Mapping[str, Any]) -> _Form:
        compiled: Any = self.statement.compile(dialect=dialect, column_keys=list(params))
        if compiled.escaped_bind_names:  # names the SQL must quote: none of ours
            raise ValueError(f"bound names that need escaping: {compiled.escaped_bind_names}")
        # A column left out of an INSERT (or UPDATE) whose model gives a default: SQLAlchemy
        # works it out as it executes, so this must too (a constant; a function would need
        # SQLAlchemy's execution context).
        defaults = []
        for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
            if column.default is None or not column.default.is_scalar:
                raise ValueError(f"{column}: give its value, its default is not a constant")
            defaults.append((column.key, column.default.arg))
        binds = []
        for bind, name in compiled.bind_names.items():  # names as the SQL has them
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                binds.append((name, convert))
        columns = list(getattr(self.statement, "exported_columns", ()))
        row: Any = None
        conversions = []
        if columns:
            keys = [column.key for column in columns]
            row = namedtuple("Row", keys, rename=True)  # type: ignore[misc,no-redef]
            for index, column in enumerate(columns):
                convert = column.type.dialect_impl(dialect).result_processor(dialect, None)
                if convert is not None:
                    conversions.append((index, convert))
        return _Form(sql=compiled.string, compiled=compiled,
                     order=tuple(compiled.positiontup) if compiled.positional else None,
                     binds=tuple(binds), defaults=tuple(defaults), row=row,
                     columns=tuple(conversions))

    @staticmethod
    def _row(form: _Form, values: Any) -> Any:
        if form.columns:
            values = list(values)
            for index, convert in form.columns:
                values[index] = convert(values[index])
        return form.row._make(values)
