"""What the report pages share: the period in the query string, a short-lived cache of computed
reports, and running rendering (charts, XLSX, PDF) in a worker thread, never on the event loop."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Query, Request

from loket.domain.errors import invalid
from loket.domain.office import Office
from loket.services.reports import check_period
from loket.store import offices_repo
from loket.store.database import Database

T = TypeVar("T")
CACHE_TTL_S = 60.0
CACHE_SIZE = 16

FromQ = Annotated[date | None, Query(alias="from")]
ToQ = Annotated[date | None, Query(alias="to")]


async def office_of(db: Database, code: str) -> Office:
    """The office named in the path (NotFound when unknown)."""
    async with db.read() as conn:
        return await offices_repo.load_office(conn, code)


def period(
    office: Office, now: datetime, first: date | None, last: date | None, max_days: int
) -> tuple[date, date]:
    """The asked period; by default this month up to today (office dates)."""
    today = office.local_today(now)
    first = first or (last or today).replace(day=1)
    last = last or (today if first <= today else first)
    check_period(first, last, max_days)
    return first, last


def month_bounds(day: date) -> tuple[date, date]:
    """The first and last day of `day`'s month."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


class ReportCache:
    """Reports computed in this process in the last minute (a page and its chart images share one)."""

    def __init__(self) -> None:
        self.items: OrderedDict[object, tuple[float, object]] = OrderedDict()
        # Charts and PDFs are CPU work: at most two at a time per process, in threads.
        self.limiter = anyio.CapacityLimiter(2)

    async def get(self, key: object, compute: Callable[[], Awaitable[T]]) -> T:
        """The cached value of `key`, computed when absent or older than a minute."""
        found = self.items.get(key)
        if found is not None and time.monotonic() - found[0] < CACHE_TTL_S:
            return found[1]  # type: ignore[return-value]
        value = await compute()
        self.items[key] = (time.monotonic(), value)
        while len(self.items) > CACHE_SIZE:
            self.items.popitem(last=False)
        return value

    async def render(self, work: Callable[[], T]) -> T:
        """Run CPU-bound rendering in a worker thread."""
        return await anyio.to_thread.run_sync(work, limiter=self.limiter)


def cache_of(request: Request) -> ReportCache:
    """This process's report cache (made on first use)."""
    found: ReportCache | None = getattr(request.app.state, "report_cache", None)
    if found is None:
        found = request.app.state.report_cache = ReportCache()
    return found


def download_headers(name: str) -> dict[str, str]:
    """Headers that make the browser save the body as `name`."""
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"}


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    """The asked file format, if it is one of `allowed`."""
    if fmt not in allowed:
        raise invalid("format", "format_invalid", "Choose one of: %(choices)s", choices=", ".join(allowed))
    return fmt


def query_of(first: date, last: date) -> str:
    """The period as a query string."""
    return f"from={first.isoformat()}&to={last.isoformat()}"


def context(office: Office, first: date, last: date, **extra: Any) -> dict[str, Any]:
    """What every report page's template needs."""
    return {"office": office, "first": first, "last": last, "query": query_of(first, last), **extra}
