"""What the report pages share: the office and the period in the query string, a short-lived cache
of computed reports, running rendering (charts, XLSX, PDF) in a worker thread, never on the event
loop, and the one download handler every report file goes through."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Query, Request
from fastapi.responses import Response

from loket.domain.errors import invalid
from loket.domain.office import Office
from loket.reports.render import MEDIA_TYPES
from loket.services.catalog import Catalog
from loket.services.reports import check_period
from loket.store.database import Database
from loket.web.dates import Day

T = TypeVar("T")
CACHE_TTL_S = 60.0
CACHE_SIZE = 16

FromQ = Annotated[Day | None, Query(alias="from")]
ToQ = Annotated[Day | None, Query(alias="to")]


async def office_of(catalog: Catalog, db: Database, code: str) -> Office:
    """The office named in the path, from the catalog (NotFound when unknown)."""
    return (await catalog.get(db, code)).office


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


# Given the office, the period and the format, the report's file renderer (run in a worker thread).
FileMaker = Callable[[Office, date, date, str], Awaitable[Callable[[], bytes]]]


async def download(
    request: Request,
    catalog: Catalog,
    db: Database,
    code: str,
    now: datetime,
    asked: tuple[date | None, date | None],
    *,
    max_days: int,
    fmt: str,
    formats: tuple[str, ...],
    stem: str,
    make: FileMaker,
) -> Response:
    """A report as a file: the format checked, the asked period worked out, the file rendered in a
    worker thread and saved as `{stem}-{office}-{first}-{last}.{fmt}`."""
    fmt = check_format(fmt, formats)
    office = await office_of(catalog, db, code)
    first, last = period(office, now, asked[0], asked[1], max_days)
    body = await cache_of(request).render(await make(office, first, last, fmt))
    name = f"{stem}-{code}-{first}-{last}.{fmt}"
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=download_headers(name))


def query_of(first: date, last: date) -> str:
    """The period as a query string."""
    return f"from={first.isoformat()}&to={last.isoformat()}"


def context(office: Office, first: date, last: date, **extra: Any) -> dict[str, Any]:
    """What every report page's template needs."""
    return {"office": office, "first": first, "last": last, "query": query_of(first, last), **extra}
