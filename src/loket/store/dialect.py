"""What differs between SQLite and PostgreSQL, in one place.

Repositories build their statements with these helpers instead of branching on the dialect:
an upsert (`INSERT ... ON CONFLICT`), a row lock (`FOR UPDATE`, PostgreSQL only: SQLite's write
transactions hold the database lock from `BEGIN IMMEDIATE`, so there is nothing to lock), and
the classification of errors a use case may retry with fresh codes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import psycopg.errors
import psycopg_pool
import sqlalchemy.exc
from sqlalchemy import ARRAY, Select, Table, any_, bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

S = TypeVar("S", bound=Select[Any])


class HasDialect(Protocol):
    """What a statement builder asks of a connection: an engine's, or a `FastWrite` (or its class)."""

    @property
    def dialect(self) -> Dialect: ...


# Errors that mean "another transaction got there first": retrying with fresh codes may succeed.
RETRYABLE = (
    psycopg.errors.UniqueViolation,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
)


def is_postgresql(conn: HasDialect) -> bool:
    return conn.dialect.name == "postgresql"


def in_list(conn: HasDialect, column: Any, name: str) -> Any:
    """`column IN (...)` the list parameter `name`: `= ANY(array)` on PostgreSQL, one parameter
    that statement text keeps (`postgresql_statement`); SQLite expands it per execution."""
    if is_postgresql(conn):
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def insert(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT that offers `on_conflict_do_nothing` / `on_conflict_do_update` on both databases."""
    return (postgresql.insert if is_postgresql(conn) else sqlite.insert)(table)


def locked(
    conn: AsyncConnection,
    query: S,
    *,
    skip_locked: bool = False,
    read: bool = False,
    of: Any = None,
) -> S:
    """`query ... FOR UPDATE` (or `FOR SHARE` with `read`) on PostgreSQL; unchanged on SQLite."""
    if not is_postgresql(conn):
        return query
    return query.with_for_update(skip_locked=skip_locked, read=read, of=of)


def seconds_between(conn: HasDialect, later: Any, earlier: Any) -> Any:
    """The seconds from `earlier` to `later` (two timestamp columns) as an SQL expression."""
    if is_postgresql(conn):
        return func.extract("epoch", later - earlier)
    # SQLite keeps the moments as naive UTC text (store/types.py): julianday reads that text.
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


class PerDialect:
    """A statement built once per dialect, on first use: repositories build their hot statements
    once (building an expression costs more than running it), and some are written apart for
    SQLite and PostgreSQL."""

    def __init__(self, build: Callable[[AsyncConnection], Any]) -> None:
        self._build = build
        self._built: dict[str, Any] = {}

    def __call__(self, conn: AsyncConnection) -> Any:
        name = conn.dialect.name
        statement = self._built.get(name)
        if statement is None:
            statement = self._built[name] = self._build(conn)
        return statement


def postgresql_text(statement: Any) -> str:
    """A Core statement as PostgreSQL SQL with `%(name)s` parameters, for the psycopg connections
    of the autocommit pool (`Database.fast`), which take SQL text, not SQLAlchemy statements."""
    return str(statement.compile(dialect=postgresql.psycopg.dialect()))


def postgresql_statement(statement: Any) -> tuple[str, dict[str, Any]]:
    """`postgresql_text` with the values the statement carries itself (its literals, each a
    parameter of its own), which the caller merges under its own parameters."""
    compiled = statement.compile(dialect=postgresql.psycopg.dialect())
    return str(compiled), dict(compiled.params)


class Compiled:
    """`postgresql_statement` of a statement built once, on first use (a `FastWrite` runs text)."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._compiled: tuple[str, dict[str, Any]] | None = None

    def __call__(self) -> tuple[str, dict[str, Any]]:
        if self._compiled is None:
            self._compiled = postgresql_statement(self._build())
        return self._compiled


def is_retryable(exc: BaseException) -> bool:
    """True for a unique-key collision, a deadlock or a serialization failure, on either database."""
    original = getattr(exc, "orig", exc)
    if isinstance(original, RETRYABLE):
        return True
    # sqlite3 has one IntegrityError class for every constraint: the message tells which.
    return "UNIQUE constraint failed" in str(original)


def constraint_of(exc: BaseException) -> str | None:
    """The name of the constraint a PostgreSQL error names, if any."""
    original = getattr(exc, "orig", exc)
    diag = getattr(original, "diag", None)
    return getattr(diag, "constraint_name", None)


# Errors that mean "the database refused a value of the request" (a NUL character in text, a
# number out of its column's range): bad input found only when stored, not a bug. The hot
# booking path speaks psycopg directly, so its class comes as is; SQLAlchemy wraps the rest.
# A tuple of classes, not a predicate: the web app registers its error answer per class.
BAD_VALUE_ERRORS: tuple[type[Exception], ...] = (sqlalchemy.exc.DataError, psycopg.DataError)


# Errors that mean "the database cannot be reached or did not answer in time" (issue 21): the
# server answers 503 with Retry-After, not a 500 and a traceback. The handlers are looked up by
# class; `is_unavailable` then tells an outage from a bug of the same class (SQLite's
# OperationalError also says "no such table").
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,  # no pooled connection came free in time
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
    ConnectionError,
    TimeoutError,
)
_DOWN = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
    ConnectionError,
    TimeoutError,
)
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the database is down, unreachable or too slow, not that a query is wrong."""
    original = getattr(exc, "orig", None) or exc
    if isinstance(original, _DOWN) or isinstance(exc, sqlalchemy.exc.TimeoutError):
        return True  # a refused or lost connection, a statement or connect timeout, a full pool
    if isinstance(original, psycopg.Error):
        return False  # PostgreSQL answered: the query itself is wrong
    if getattr(exc, "connection_invalidated", False):
        return True
    return any(part in str(original).lower() for part in _SQLITE_UNAVAILABLE)
