"""A short-lived, per-process cache of what the hot paths read on every request: the office,
its calendar, the fee schedule and which days are open, and the list of offices. Places
themselves are never cached: the database decides who gets one. `forget` clears an office's
entry (and the list) after a write in this process; other processes see changes within `ttl`
seconds. Loads are single-flight: when a release opens and a thousand requests arrive at once,
one of them reads the office and the others wait for it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from loket.domain.ballot import Release
from loket.domain.calendar import WorkingCalendar
from loket.domain.fees import FeeSchedule
from loket.domain.office import Office
from loket.services.staff_sessions import StaffSessions
from loket.store import ballot_repo, offices_repo
from loket.store.database import Database


@dataclass
class OfficeContext:
    office: Office
    calendar: WorkingCalendar
    fees: FeeSchedule
    loaded_at: float
    open_days: set[date] = field(default_factory=set)
    # (day, category) -> (monotonic time, nearest sessions with places): answers to 'full'
    alternatives: dict[tuple[date, str], tuple[float, list[dict[str, Any]]]] = field(default_factory=dict)
    swept_at: float = 0.0
    # (day, session start, category) -> monotonic time until which the session counts as full here
    full_until: dict[tuple[date, Any, str], float] = field(default_factory=dict)
    locks: dict[object, asyncio.Lock] = field(default_factory=dict)
    # Days released other than first-come-at-once (scheduled fcfs, ballots): see domain/ballot.py.
    releases: dict[date, Release] = field(default_factory=dict)

    def known_full(self, key: tuple[date, Any, str], recheck_s: float = 0.5) -> bool:
        """True while a recent attempt found the session full (so a sold-out answer costs no query).

        When the memory runs out, the first caller goes to the database to check again and every
        other keeps the answer 'full' for up to `recheck_s` meanwhile: letting them all through
        sent every applicant of the next ~100 ms to the database at once, twice a second, the
        sold-out answers' p99 of 400-600 ms (docs/performance.md). The checker clears the mark
        when it finds a place (`unmark_full`) and renews it when it finds none (`mark_full`)."""
        until = self.full_until.get(key)
        if until is None:
            return False
        now = time.monotonic()
        if now < until:
            return True
        self.full_until[key] = now + recheck_s
        return False

    def mark_full(self, key: tuple[date, Any, str], for_s: float = 0.5) -> None:
        self.full_until[key] = time.monotonic() + for_s

    def unmark_full(self, key: tuple[date, Any, str]) -> None:
        """A place of the session was there after all: the next applicants go to the database."""
        self.full_until.pop(key, None)

    def drop_alternative(self, day: str, session: str, category: str) -> None:
        """A session was just found full: no cached 'full' answer may still offer it."""
        for key, (at, offered) in list(self.alternatives.items()):
            if key[1] == category and any(a["date"] == day and a["session"] == session for a in offered):
                kept = [a for a in offered if not (a["date"] == day and a["session"] == session)]
                self.alternatives[key] = (at, kept)

    def lock(self, key: object) -> asyncio.Lock:
        """One lock per key, for single-flight computations on this office's data."""
        found = self.locks.get(key)
        if found is None:
            found = self.locks[key] = asyncio.Lock()
        return found

    def sweep_due(self, every_s: float = 1.0) -> bool:
        """True at most once a second: a full session sweeps lapsed holds before saying 'full'."""
        now = time.monotonic()
        if now - self.swept_at < every_s:
            return False
        self.swept_at = now
        return True


class Catalog:
    """Cached office contexts, refreshed after `ttl` seconds."""

    def __init__(self, ttl: float = 2.0, country: str = "ID", session_ttl: float = 0.0) -> None:
        self.ttl = ttl
        self.country = country
        self._entries: dict[str, OfficeContext] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        self._offices: tuple[float, tuple[Office, ...]] | None = None
        self._offices_lock = asyncio.Lock()
        # Counts changes (`forget`): a load that a change overtook is not kept as fresh.
        self._generation = 0
        # Told (kind, office) after a local forget, to tell the other processes (services/fanout.py).
        self.on_change: Callable[[str, str | None], None] | None = None
        # The staff sessions looked up, kept only while every revocation reaches this process.
        self.sessions = StaffSessions(session_ttl)

    def _fresh(self, office_code: str) -> OfficeContext | None:
        entry = self._entries.get(office_code)
        if entry is not None and time.monotonic() - entry.loaded_at < self.ttl:
            return entry
        return None

    async def get(self, db: Database, office_code: str) -> OfficeContext:
        """The office's cached context, loaded (once, however many ask at the same time) when stale.

        A context past its `ttl` is refreshed by one caller while the others keep using it: with
        every request of a rush waiting on the refresh (four queries and the calendar), the whole
        process stalled every `ttl` seconds (docs/performance.md). After a change (`forget`) there
        is nothing to keep using: every caller waits for the new context."""
        entry = self._fresh(office_code)
        if entry is not None:
            return entry
        lock = self._loading.setdefault(office_code, asyncio.Lock())
        stale = self._entries.get(office_code)
        if stale is not None and lock.locked():
            return stale
        async with lock:
            entry = self._fresh(office_code)
            if entry is not None:
                return entry
            generation = self._generation
            async with db.read() as conn:
                office = await offices_repo.load_office(conn, office_code)
                calendar = await offices_repo.load_calendar(conn, office_code, country=self.country)
                fees = await offices_repo.load_fee_schedule(conn)
                releases = {r.day: r for r in await ballot_repo.latest_releases(conn, office_code)}
            previous = self._entries.get(office_code)
            entry = OfficeContext(office, calendar, fees, time.monotonic(), releases=releases)
            if previous is not None:
                # A refresh after `ttl` is not a change (a change drops the entry: `forget`): opened
                # days, the answers to 'full' and their locks carry over. Dropping them every `ttl`
                # sent every applicant of a sold-out session back to the database at once, the
                # sold-out answer's p99 of a second (docs/performance.md).
                entry.open_days = previous.open_days
                entry.alternatives = previous.alternatives
                entry.full_until = previous.full_until
                entry.locks = previous.locks
                entry.swept_at = previous.swept_at
            if generation == self._generation:
                self._entries[office_code] = entry
            # else a change came while this read ran: the next caller reads again. This one's
            # answer was read after its request arrived, as a load with no change in between.
            return entry

    async def offices(self, db: Database) -> list[Office]:
        """Every office, by code: cached like the contexts, loaded once however many ask at once."""
        found = self._offices
        if found is not None and time.monotonic() - found[0] < self.ttl:
            return list(found[1])
        async with self._offices_lock:
            found = self._offices
            if found is None or time.monotonic() - found[0] >= self.ttl:
                async with db.read() as conn:
                    found = self._offices = (time.monotonic(), tuple(await offices_repo.list_offices(conn)))
            return list(found[1])

    def forget_alternatives(self, office_code: str, *, local: bool = False) -> None:
        """A place came back (cancel, reschedule, expiry): 'full' answers must be recomputed.
        `local`: only this process (the change came from another one)."""
        if self.on_change is not None and not local:
            self.on_change("alternatives", office_code)
        entry = self._entries.get(office_code)
        if entry is not None:
            entry.alternatives.clear()
            entry.full_until.clear()

    def forget_sessions(self, *, local: bool = False) -> None:
        """A session ended or an account's roles changed: no process may answer from what it kept.
        `local`: only this process (the change came from another one)."""
        if self.on_change is not None and not local:
            self.on_change("sessions", None)
        self.sessions.forget()

    def forget(self, office_code: str | None = None, *, local: bool = False) -> None:
        """Drop cached data after a write (all offices when no code is given); the list goes too.
        `local`: only this process (the change came from another one)."""
        if self.on_change is not None and not local:
            self.on_change("forget", office_code)
        self._generation += 1
        self._offices = None
        if office_code is None:
            self._entries.clear()
        else:
            self._entries.pop(office_code, None)
