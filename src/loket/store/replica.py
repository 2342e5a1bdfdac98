"""Reads that may be served by a streaming replica, with a staleness bound that is checked.

The read-heavy public paths (availability, the board snapshot, reports) may read a replica
(LOKET_DATABASE_REPLICA_URL) instead of the primary. A read goes there only while the replica's
last lag check, at most 2 x `LAG_CHECK_S` old, said it is at most `max_lag_s` behind; the check
runs every `LAG_CHECK_S` while reads come (in the background, one at a time), so a replica read is
at most `max_lag_s + 2 x LAG_CHECK_S` behind the primary. A
replica that lags more, or cannot be reached, sends the read to the primary until the next check:
never an error the primary could have answered. Decisions (taking a place, every write) never read
here: they run on the primary through `Database.write()` and the hot-path pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from loket.store.dialect import is_unavailable

log = logging.getLogger("loket.database")

LAG_CHECK_S = 0.5
# Seconds the replica is behind: 0 when it is a primary (promoted) or has applied all it received;
# else since the last transaction it applied committed on the primary (replay paused or slow). A
# replica that never applied a transaction counts as infinitely behind.
LAG_SQL = text(
    """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0.0
        WHEN NOT pg_is_wal_replay_paused()
             AND pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0.0
        ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()),
                      'Infinity')::float8
    END
    """
)


class Replica:
    """A replica's engine and the memory of its last lag check."""

    def __init__(
        self,
        url: str,
        *,
        max_lag_s: float,
        pool_size: int,
        connect_timeout_s: float,
        statement_timeout_s: float,
    ) -> None:
        from loket.store.database import HIDE_PARAMETERS, async_url  # one module defines the URL forms

        self.max_lag_s = max_lag_s
        self.timeout_s = connect_timeout_s
        self.engine = create_async_engine(
            async_url(url),
            pool_size=pool_size,
            max_overflow=0,
            # A pooled connection to a replica that went away is found at checkout, where the
            # read can still go to the primary, not at its first statement, where it would fail.
            pool_pre_ping=True,
            pool_timeout=connect_timeout_s,
            hide_parameters=HIDE_PARAMETERS,
            connect_args={
                "connect_timeout": max(1, math.ceil(connect_timeout_s)),
                "options": f"-c statement_timeout={int(statement_timeout_s * 1000)}",
            },
        )
        self.lag_s = math.inf  # as last measured
        self._checked_at = -math.inf
        self._checking: asyncio.Task[None] | None = None
        self._usable = False  # until the first check: the primary

    async def measure_lag(self) -> float:
        """The replica's lag in seconds, measured now (math.inf when it cannot be reached)."""
        try:
            async with asyncio.timeout(self.timeout_s), self.engine.connect() as conn:
                lag = float((await conn.execute(LAG_SQL)).scalar_one())
        except Exception as exc:  # a replica that cannot answer is only "not fresh"
            if not is_unavailable(exc) and not isinstance(exc, TimeoutError):
                log.exception("replica lag check failed")
            lag = math.inf
        self._note(lag)
        return lag

    def _note(self, lag: float) -> None:
        usable = lag <= self.max_lag_s
        if usable != self._usable:
            if usable:
                log.warning("replica back in use (%.2f s behind)", lag)
            else:
                log.warning("replica not used: %s behind (bound %.1f s)", f"{lag:.2f} s", self.max_lag_s)
        self.lag_s, self._usable, self._checked_at = lag, usable, time.monotonic()

    async def usable(self) -> bool:
        """True while the last check found the replica within its bound. A check older than
        LAG_CHECK_S starts the next one in the background: no read ever waits for a check (a
        replica that stopped answering costs its connect timeout there, not in a request)."""
        age = time.monotonic() - self._checked_at
        if age >= LAG_CHECK_S and self._checking is None:
            self._checking = asyncio.create_task(self._check())
        # A check that has not come back (a replica that hangs), or none for a while: not known fresh.
        return self._usable and age < 2 * LAG_CHECK_S

    async def _check(self) -> None:
        try:
            await self.measure_lag()
        finally:
            self._checking = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection | None]:
        """A read transaction on the replica, or None when it should not (or cannot) serve it."""
        conn: AsyncConnection | None = None
        if await self.usable():
            try:
                conn = await self.engine.connect()
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                self._note(math.inf)  # gone since the check: the primary until the next one
        if conn is None:
            yield None
            return
        try:
            async with conn.begin():
                yield conn
        finally:
            await conn.close()

    async def dispose(self) -> None:
        if self._checking is not None:
            self._checking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checking
        await self.engine.dispose()
