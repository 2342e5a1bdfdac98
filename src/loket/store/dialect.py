"""What differs between SQLite and PostgreSQL, in one place.

Repositories build their statements with these helpers instead of branching on the dialect:
an upsert (`INSERT ... ON CONFLICT`), a row lock (`FOR UPDATE`, PostgreSQL only: SQLite's write
transactions hold the database lock from `BEGIN IMMEDIATE`, so there is nothing to lock), and
the classification of errors a use case may retry with fresh codes.
"""

from __future__ import annotations

from typing import Any, TypeVar

import psycopg.errors
import sqlalchemy.exc
from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

S = TypeVar("S", bound=Select[Any])

# Errors that mean "another transaction got there first": retrying with fresh codes may succeed.
RETRYABLE = (
    psycopg.errors.UniqueViolation,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
)


def is_postgresql(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "postgresql"


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
