"""The database handle: one async engine per process, SQLite (embedded) or PostgreSQL.

SQLite runs in WAL mode with synchronous=FULL so a committed write survives a crash; write
transactions start with BEGIN IMMEDIATE so two writers queue on the lock instead of failing
half-way with SQLITE_BUSY. PostgreSQL runs at READ COMMITTED; the lock policy (docs/locking.md)
says which rows each write locks.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from loket.store.fast_write import FastWrite
from loket.store.replica import Replica

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A database error's text never carries the statement's parameters (NIKs, names, phones): it
# reaches logs and tracebacks, where masking by pattern is only the second line of defence.
HIDE_PARAMETERS = True
log = logging.getLogger("loket.database")


def dialect_of(url: str) -> str:
    """`sqlite` or `postgresql`; anything else is refused."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported database {name!r}: use sqlite or postgresql")
    return name


def sync_url(url: str) -> str:
    """The URL for synchronous tools (Alembic): SQLite's stdlib driver, psycopg for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def async_url(url: str) -> str:
    """The URL for the async engine: aiosqlite or async psycopg."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Take over transaction control from the driver so BEGIN is ours (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front; readers use a deferred BEGIN and read a WAL snapshot.
    if conn.get_execution_options().get("sqlite_write", True):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def libpq_url(url: str) -> str:
    """The URL as libpq (psycopg's own pool) takes it: postgresql://user@host:port/db?...

    A multi-host URL in SQLAlchemy's form (`?host=a:5432&host=b:5432&target_session_attrs=
    read-write`, the form the engine takes) becomes libpq's `?host=a,b&port=5432,5432`."""
    parsed = make_url(url).set(drivername="postgresql")
    hosts = parsed.query.get("host")
    if isinstance(hosts, tuple) or (isinstance(hosts, str) and ":" in hosts):
        pairs = [
            h.rpartition(":") if ":" in h else (h, "", "")
            for h in ((hosts,) if isinstance(hosts, str) else hosts)
        ]
        query = {k: v for k, v in parsed.query.items() if k != "host"}
        query["host"] = ",".join(host for host, _sep, _port in pairs)
        query["port"] = ",".join(port or str(parsed.port or 5432) for _host, _sep, port in pairs)
        parsed = parsed.set(query=query)
    return parsed.render_as_string(hide_password=False)


# The type a service annotates the connection of its transaction with: services name it through
# the store, so that only store/ imports SQLAlchemy (an import contract checks it).
Connection = AsyncConnection

_AFTER_COMMIT = "loket_after_commit"


def on_commit(conn: AsyncConnection | FastWrite, effect: Callable[[], object]) -> None:
    """Run `effect` (a function, sync or async) once the transaction of `conn` has committed.

    Outside `Database.write()` (a read, an autocommit statement) it runs at once: there is no
    transaction to wait for."""
    pending = conn.info.get(_AFTER_COMMIT)
    if pending is None:
        result = effect()
        if inspect.isawaitable(result):
            raise RuntimeError("an async effect outside a write transaction must be awaited by its caller")
        return
    pending.append(effect)


async def _after_commit(effects: list[Callable[[], object]]) -> None:
    for effect in effects:
        result = effect()
        if inspect.isawaitable(result):
            await result


class Database:
    """An async engine and the two kinds of transaction the services use.

    On PostgreSQL it also keeps a small psycopg pool of autocommit connections for the hot paths
    (taking a place, the health check): there a statement is its own transaction, sent in one
    round trip, without SQLAlchemy's per-call overhead (measured: 0.64 ms for a SELECT 1
    transaction through the async engine against 0.07 ms on the raw connection).

    With `replica_url` (PostgreSQL), `replica_read()` serves reads that may lag a little from a
    streaming replica (store/replica.py); everything else stays on the primary.
    """

    replica: Replica | None = None

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 20,
        echo: bool = False,
        connect_timeout_s: float = 5.0,
        statement_timeout_s: float = 30.0,
        portable: bool = False,
        replica_url: str = "",
        replica_max_lag_s: float = 5.0,
    ) -> None:
        self.url = url
        self.dialect = dialect_of(url)
        if replica_url:
            if self.dialect != "postgresql" or dialect_of(replica_url) != "postgresql":
                raise ValueError("a read replica (LOKET_DATABASE_REPLICA_URL) needs PostgreSQL")
            self.replica = Replica(
                replica_url,
                max_lag_s=replica_max_lag_s,
                pool_size=pool_size,
                connect_timeout_s=connect_timeout_s,
                statement_timeout_s=statement_timeout_s,
            )
        # Take places with the portable statements on PostgreSQL too (LOKET_BOOKING_PATH=portable:
        # separate statements in one transaction, which a Citus cluster can route by office).
        self.portable = portable
        self.pool_size = pool_size
        self._fast: AsyncConnectionPool[Any] | None = None
        # Every wait on PostgreSQL is bounded (issue 21): connecting, a pooled connection coming
        # free, a statement. An outage is then a quick 503, not requests piling up for minutes.
        self.connect_timeout_s = connect_timeout_s
        self.statement_timeout_s = statement_timeout_s
        self.available = True
        if self.dialect == "sqlite":
            # aiosqlite runs each connection in its own thread; a small pool keeps that bounded.
            self.engine: AsyncEngine = create_async_engine(
                async_url(url),
                echo=echo,
                pool_size=min(pool_size, 8),
                max_overflow=0,
                hide_parameters=HIDE_PARAMETERS,
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        else:
            self.engine = create_async_engine(
                async_url(url),
                echo=echo,
                pool_size=pool_size,
                max_overflow=0,
                pool_pre_ping=False,
                hide_parameters=HIDE_PARAMETERS,
                pool_timeout=connect_timeout_s,
                connect_args={"connect_timeout": self._connect_s(), "options": self._options()},
            )
            event.listen(self.engine.sync_engine, "connect", self._connected)

    @classmethod
    def unpooled(cls, url: str) -> Database:
        """A handle that opens a connection per use (short CLI commands, forked workers)."""
        db = cls.__new__(cls)
        db.url = url
        db.dialect = dialect_of(url)
        db.pool_size = 1
        db._fast = None
        db.engine = create_async_engine(async_url(url), poolclass=NullPool, hide_parameters=HIDE_PARAMETERS)
        if db.dialect == "sqlite":
            event.listen(db.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(db.engine.sync_engine, "begin", _sqlite_begin)
        return db

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: committed when the block ends, rolled back on any error.

        Callbacks registered with `on_commit(conn, ...)` run after the commit succeeded, in the
        order registered, and are dropped on rollback (zulip's `send_event_on_commit`).
        """
        async with self.engine.connect() as conn:
            conn.info[_AFTER_COMMIT] = []
            try:
                async with conn.begin():
                    yield conn
                effects: list[Callable[[], object]] = conn.info.pop(_AFTER_COMMIT, [])
            finally:
                conn.info.pop(_AFTER_COMMIT, None)
        await _after_commit(effects)

    @asynccontextmanager
    async def fast_write(self) -> AsyncIterator[FastWrite]:
        """PostgreSQL only: one write transaction on a connection of the autocommit pool, for the
        hot paths whose repositories take a `FastWrite` (store/fast_write.py). Committed when the
        block ends, rolled back on any error; `on_commit` effects run after the commit, as in
        `write()`."""
        async with (await self.fast()).connection() as driver:
            tx = FastWrite(driver)
            tx.info[_AFTER_COMMIT] = []
            async with driver.transaction():
                yield tx
            effects: list[Callable[[], object]] = tx.info.pop(_AFTER_COMMIT)
        await _after_commit(effects)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction (no write lock on SQLite)."""
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(sqlite_write=False)
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def replica_read(self) -> AsyncIterator[AsyncConnection]:
        """A read that may be up to LOKET_REPLICA_MAX_LAG_S behind: on the replica while it is that
        fresh, else (no replica, lagging, unreachable) on the primary. Never for a decision."""
        if self.replica is None:
            async with self.read() as conn:
                yield conn
            return
        async with self.replica.read() as on_replica:
            if on_replica is not None:
                yield on_replica
                return
        async with self.read() as conn:
            yield conn

    async def fast(self) -> AsyncConnectionPool[Any]:
        """The autocommit psycopg pool (PostgreSQL only), opened on first use."""
        if self.dialect != "postgresql":
            raise RuntimeError("the autocommit pool exists on PostgreSQL only")
        if self._fast is None:
            pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
                libpq_url(self.url),
                min_size=1,
                max_size=self.pool_size,
                # Prepare hot statements on first use and keep one generic plan: planning the
                # booking statement costs more than running it (1.7 ms against 0.5 ms, measured).
                kwargs={
                    "autocommit": True,
                    "prepare_threshold": 0,
                    "options": self._options() + " -c plan_cache_mode=force_generic_plan",
                    "connect_timeout": self._connect_s(),
                },
                timeout=self.connect_timeout_s,
                configure=self._configured,
                open=False,
            )
            await pool.open()
            self._fast = pool
        return self._fast

    def _connect_s(self) -> int:
        return max(1, math.ceil(self.connect_timeout_s))  # libpq takes whole seconds

    def _options(self) -> str:
        return f"-c statement_timeout={int(self.statement_timeout_s * 1000)}"

    def note_unavailable(self, exc: BaseException) -> None:
        """The database could not be reached: logged once, when the state changes, not per request."""
        if self.available:
            self.available = False
            log.error("database unavailable (%s): answering 503 until it is back", type(exc).__name__)

    def _connected(self, *_args: Any) -> None:
        if not self.available:
            self.available = True
            log.warning("database reachable again")

    async def _configured(self, _conn: Any) -> None:
        self._connected()

    async def ping(self) -> bool:
        """True when the database answers a trivial query (waiting at most the connect timeout)."""
        if self.dialect == "postgresql":
            async with (await self.fast()).connection(timeout=self.connect_timeout_s) as conn:
                cursor = await conn.execute("SELECT 1")
                row = await cursor.fetchone()
                return row is not None and row[0] == 1
        async with self.read() as conn:
            return (await conn.execute(text("SELECT 1"))).scalar_one() == 1

    async def dispose(self) -> None:
        if self.replica is not None:
            await self.replica.dispose()
        if self._fast is not None:
            await self._fast.close()
            self._fast = None
        await self.engine.dispose()
