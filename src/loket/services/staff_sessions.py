"""The staff sessions a server process has looked up, kept while it hears every revocation.

Every staff request looks its session up (the account, its roles, the national flag): a database
round trip that was a fifth of a call-next's CPU (docs/performance.md). A process keeps what it
found for `ttl` seconds, never past the session's own expiry, and only while its change listener
is connected to Redis (`trusted`, set by services/fanout.py): a sign-out, a role granted or
revoked, a password set or a national role changed, in any process or command, forgets every
kept session of every process the moment it commits (`Catalog.forget_sessions`). Without the
listener (no LOKET_REDIS_URL, or Redis lost) nothing is kept and every request asks the
database, as before: a revocation that could not reach this process must never be outlived.

The `ttl` bounds what no message announces: an account changed in the database by hand, or a
message lost while the listener believed it was connected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from loket.domain.staff import StaffIdentity

# A process serves at most a few thousand staff; past this many (a flood of sign-ins) start over.
MAX_KEPT = 10_000


@dataclass(frozen=True)
class _Kept:
    identity: StaffIdentity
    csrf_token: str
    expires_at: datetime
    kept_at: float


class StaffSessions:
    """Sessions by token hash (see the module's docstring)."""

    def __init__(self, ttl: float = 0.0) -> None:
        self.ttl = ttl
        self._kept: dict[str, _Kept] = {}
        # Whether every revocation reaches this process (its listener is connected).
        self._trusted = False
        # Counts forgets: a lookup that a revocation overtook is not kept.
        self.generation = 0

    @property
    def trusted(self) -> bool:
        return self._trusted

    @trusted.setter
    def trusted(self, value: bool) -> None:
        self._trusted = value
        self.forget()

    def get(self, token_hash: str, now: datetime) -> tuple[StaffIdentity, str] | None:
        """The identity and CSRF token kept for this token, or None (look it up)."""
        kept = self._kept.get(token_hash)
        if kept is None:
            return None
        if not self._trusted or time.monotonic() - kept.kept_at >= self.ttl or now >= kept.expires_at:
            del self._kept[token_hash]
            return None
        return kept.identity, kept.csrf_token

    def keep(
        self,
        token_hash: str,
        identity: StaffIdentity,
        csrf_token: str,
        expires_at: datetime,
        generation: int,
    ) -> None:
        """Keep a session looked up when `generation` was current (dropped if a forget came since)."""
        if not self._trusted or self.ttl <= 0 or generation != self.generation:
            return
        if len(self._kept) >= MAX_KEPT:
            self._kept.clear()
        self._kept[token_hash] = _Kept(identity, csrf_token, expires_at, time.monotonic())

    def forget(self) -> None:
        """Drop every kept session (a revocation somewhere, or the listener lost or regained)."""
        self.generation += 1
        self._kept.clear()
