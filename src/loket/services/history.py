"""Daily application history use cases: import a CSV, collect from bookings, load the synthetic demo
history, and read an office's history for forecasting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from loket.domain.calendar import iter_days
from loket.domain.errors import invalid
from loket.planning.history import History, ImportRow, make_history, parse_import_csv
from loket.services.audit import record
from loket.store import history_repo, offices_repo
from loket.store.database import Database

# How history sources are named in reports: synthetic rows are always called so.
SOURCE_LABELS = {
    "import": "imported",
    "bookings": "collected from bookings",
    "synthetic": "synthetic (seeded generator, not real data)",
}


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote, per office."""

    offices: dict[str, int]
    first: date
    last: date
    replaced: int
    skipped_other_offices: int


@dataclass(frozen=True)
class CollectReport:
    """What a collection from bookings wrote."""

    office: str
    first: date | None
    last: date | None
    written: int
    applications: int
    kept_imported: int


async def import_history(
    db: Database, text: str, *, office: str | None, actor: str, now: datetime, name: str = ""
) -> ImportReport:
    """Store `date,count[,office]` rows (replacing those days); all or nothing, one audit row per office."""
    rows = parse_import_csv(text)
    wanted = office.strip().upper() if office else None
    by_office: dict[str, list[ImportRow]] = {}
    skipped = 0
    for row in rows:
        code = row.office or wanted
        if code is None:
            raise invalid(
                "office",
                "history_office",
                "Line %(line)d: name the office (an office column or option)",
                line=row.line,
            )
        if wanted is not None and code != wanted:
            skipped += 1
            continue
        by_office.setdefault(code, []).append(row)
    if not by_office:
        raise invalid(
            "office",
            "history_no_rows_for_office",
            "The file has no rows for office %(office)s",
            office=wanted or "",
        )
    replaced = 0
    async with db.write() as conn:
        for code, chosen in sorted(by_office.items()):
            await offices_repo.load_office(conn, code)  # NotFound for an unknown office
            first, last = min(r.day for r in chosen), max(r.day for r in chosen)
            before = await history_repo.sources_by_day(conn, code, first, last)
            replaced += sum(1 for r in chosen if r.day in before)
            await history_repo.upsert_days(conn, code, [(r.day, r.count) for r in chosen], "import", now)
            await record(
                conn,
                office_code=code,
                actor=actor,
                action="history.import",
                subject=name[:100],
                detail={
                    "rows": len(chosen),
                    "first": first.isoformat(),
                    "last": last.isoformat(),
                    "replaced": sum(1 for r in chosen if r.day in before),
                },
                now=now,
            )
    days = [r.day for chosen in by_office.values() for r in chosen]
    return ImportReport(
        {code: len(chosen) for code, chosen in sorted(by_office.items())},
        min(days),
        max(days),
        replaced,
        skipped,
    )


async def collect_from_bookings(
    db: Database,
    office_code: str,
    *,
    first: date | None = None,
    last: date | None = None,
    country: str = "ID",
    actor: str,
    now: datetime,
) -> CollectReport:
    """Count each past service day's applications (bookings not cancelled or lapsed, plus walk-ins).

    Days already imported are left alone: an import is the office's own record of the day.
    """
    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
        yesterday = office.local_today(now) - timedelta(days=1)
        last = last or yesterday
        if last > yesterday:
            raise invalid("to", "history_future", "Only days before today can be collected")
        first = first or await history_repo.first_booking_day(conn, office_code)
        if first is None or first > last:
            return CollectReport(office_code, None, None, 0, 0, 0)
        if (last - first).days > 3 * 366:
            raise invalid("from", "range_too_long", "Ask for at most %(max)d days", max=3 * 366)
        calendar = await offices_repo.load_calendar(conn, office_code, first, last, country)
        counts = history_repo.merge_counts(
            (await history_repo.booking_counts(conn, office_code, first, last)).items(),
            (await history_repo.walk_in_counts(conn, office_code, first, last)).items(),
        )
    # A service day without a booking is a real zero; a closed day without one is no row at all.
    days = [d for d in iter_days(first, last) if calendar.is_service_day(d) or counts.get(d)]
    async with db.write() as conn:
        stored = await history_repo.sources_by_day(conn, office_code, first, last)
        rows = [(d, counts.get(d, 0)) for d in days if stored.get(d) != "import"]
        await history_repo.upsert_days(conn, office_code, rows, "bookings", now)
        kept = len(days) - len(rows)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="history.collect",
            subject=f"{first.isoformat()}..{last.isoformat()}",
            detail={"rows": len(rows), "applications": sum(c for _, c in rows), "kept_imported": kept},
            now=now,
        )
    return CollectReport(office_code, first, last, len(rows), sum(c for _, c in rows), kept)


@lru_cache(maxsize=4)
def _synthetic_rows(office_code: str, last: date) -> tuple[tuple[date, int], ...]:
    # The generator takes a second or two; the demo (and every test that loads it) reuses the rows.
    from loket.planning.synthetic import DEFAULT_FIRST, synthetic_history

    history = synthetic_history(DEFAULT_FIRST, last)
    return tuple((d, int(c)) for d, c in zip(history.days, history.counts, strict=True))


async def load_synthetic_history(db: Database, office_code: str, *, actor: str, now: datetime) -> int:
    """Add the seeded synthetic history, up to the office's yesterday, to the office's days that
    have none; returns rows added."""
    from loket.planning.synthetic import demo_last_day

    async with db.read() as conn:
        office = await offices_repo.load_office(conn, office_code)
    rows = _synthetic_rows(office_code, demo_last_day(office.local_today(now)))
    async with db.write() as conn:
        stored = await history_repo.sources_by_day(conn, office_code, rows[0][0], rows[-1][0])
        missing = [row for row in rows if row[0] not in stored]
        if not missing:
            return 0
        await history_repo.upsert_days(conn, office_code, missing, "synthetic", now, keep_existing=True)
        await record(
            conn,
            office_code=office_code,
            actor=actor,
            action="history.synthetic",
            subject="loket.planning.synthetic",
            detail={
                "rows": len(missing),
                "first": missing[0][0].isoformat(),
                "last": missing[-1][0].isoformat(),
            },
            now=now,
        )
    return len(missing)


@dataclass(frozen=True)
class SourceSummary:
    source: str
    rows: int
    first: date
    last: date

    def label(self) -> str:
        return f"{SOURCE_LABELS.get(self.source, self.source)}: {self.rows} days {self.first}..{self.last}"


async def summary(db: Database, office_code: str) -> list[SourceSummary]:
    """Rows per source of the office's history."""
    async with db.read() as conn:
        await offices_repo.load_office(conn, office_code)
        return [SourceSummary(*row) for row in await history_repo.history_summary(conn, office_code)]


def describe(office_code: str, parts: list[SourceSummary]) -> str:
    """A one-line label of where a stored history comes from (synthetic rows always said so)."""
    if not parts:
        return f"database {office_code}: no history"
    return f"database {office_code}: " + "; ".join(p.label() for p in parts)


# The last history read per database and office with the fingerprint it was read at: the
# planning page asks for the whole history (years of rows) on every load, and it changes only
# when an import, a collection or the demo writes it. One aggregated query tells.
_READ: dict[tuple[int, str], tuple[object, History, str]] = {}


async def read_history(db: Database, office_code: str) -> tuple[History, str]:
    """The office's stored history as a planning History, with a label saying where it came from."""
    async with db.read() as conn:
        await offices_repo.load_office(conn, office_code)
        fingerprint = await history_repo.history_fingerprint(conn, office_code)
        key = (id(db), office_code)
        found = _READ.get(key)
        if found is not None and found[0] == fingerprint:
            return found[1], found[2]
        rows = await history_repo.history_rows(conn, office_code) if fingerprint else []
    parts = [SourceSummary(*row[:4]) for row in fingerprint]
    if not rows:
        raise invalid(
            "office",
            "history_missing",
            "Office %(office)s has no history yet: import one or collect it from bookings",
            office=office_code,
        )
    label = describe(office_code, parts)
    history = make_history(((d, float(c)) for d, c, _ in rows), office=office_code, source=label)
    synthetic = any(source == "synthetic" for _, _, source in rows)
    history = History(
        history.days,
        history.counts,
        office=office_code,
        source=label,
        synthetic=synthetic,
        notes=tuple(p.label() for p in parts),
    )
    history.counts.flags.writeable = False  # shared by every reader of this version
    if len(_READ) >= 64:
        _READ.clear()
    _READ[key] = (fingerprint, history, label)
    return history, label
