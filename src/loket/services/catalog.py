"""A short-lived, per-process cache of what the hot paths read on every request: the office,
its calendar, the fee schedule and which days are open. Places themselves are never cached:
the database decides who gets one. A write in this process clears the office's entry; other
processes see changes within `ttl` seconds."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from loket.domain.calendar import WorkingCalendar
from loket.domain.fees import FeeSchedule
from loket.domain.office import Office
from loket.store import offices_repo
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


class Catalog:
    """Cached office contexts, refreshed after `ttl` seconds."""

    def __init__(self, ttl: float = 2.0, country: str = "ID") -> None:
        self.ttl = ttl
        self.country = country
        self._entries: dict[str, OfficeContext] = {}

    async def get(self, db: Database, office_code: str) -> OfficeContext:
        entry = self._entries.get(office_code)
        if entry is not None and time.monotonic() - entry.loaded_at < self.ttl:
            return entry
        async with db.read() as conn:
            office = await offices_repo.load_office(conn, office_code)
            calendar = await offices_repo.load_calendar(conn, office_code, country=self.country)
            fees = await offices_repo.load_fee_schedule(conn)
        entry = OfficeContext(office, calendar, fees, time.monotonic())
        self._entries[office_code] = entry
        return entry

    def forget_alternatives(self, office_code: str) -> None:
        """A place came back (cancel, reschedule, expiry): 'full' answers must be recomputed."""
        entry = self._entries.get(office_code)
        if entry is not None:
            entry.alternatives.clear()

    def forget(self, office_code: str | None = None) -> None:
        """Drop cached data after a write (all offices when no code is given)."""
        if office_code is None:
            self._entries.clear()
        else:
            self._entries.pop(office_code, None)
