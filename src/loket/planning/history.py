"""Daily application counts of one office: parse and write the `date,count[,office]` CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from loket.domain.errors import invalid


class HistoryError(ValueError):
    """A history file that cannot be read as daily counts."""


@dataclass(frozen=True)
class History:
    """A daily series: strictly increasing dates, one non-negative count each."""

    days: tuple[date, ...]
    counts: npt.NDArray[np.float64]
    office: str | None = None
    source: str = "csv"
    synthetic: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if len(self.days) != len(self.counts):
            raise HistoryError("days and counts differ in length")
        if any(b <= a for a, b in zip(self.days, self.days[1:], strict=False)):
            raise HistoryError("dates must be strictly increasing")

    def __len__(self) -> int:
        return len(self.days)

    @cached_property
    def weekdays_only(self) -> bool:
        """True when no Saturday or Sunday appears: an office series without weekend rows."""
        return all(day.weekday() < 5 for day in self.days)

    @property
    def season(self) -> int:
        """The weekly season in rows: 5 for weekdays-only series, 7 for daily ones."""
        return 5 if self.weekdays_only else 7

    def head(self, n: int) -> History:
        """The first `n` rows (a training window)."""
        return History(
            self.days[:n], self.counts[:n], self.office, self.source, self.synthetic, self.notes
        )

    def between(self, first: date, last: date) -> History:
        """Rows with `first <= day <= last`."""
        keep = [i for i, day in enumerate(self.days) if first <= day <= last]
        return History(
            tuple(self.days[i] for i in keep),
            self.counts[keep],
            self.office,
            self.source,
            self.synthetic,
            self.notes,
        )

    def by_day(self) -> dict[date, float]:
        return dict(zip(self.days, (float(c) for c in self.counts), strict=True))


def make_history(
    rows: Iterable[tuple[date, float]],
    *,
    office: str | None = None,
    source: str = "csv",
    synthetic: bool = False,
) -> History:
    """Build a History from (day, count) pairs in any order."""
    ordered = sorted(rows)
    days = tuple(day for day, _ in ordered)
    counts = np.array([count for _, count in ordered], dtype=float)
    if len(set(days)) != len(days):
        raise HistoryError("a date appears twice")
    if (counts < 0).any():
        raise HistoryError("counts must not be negative")
    return History(days, counts, office=office, source=source, synthetic=synthetic)


def parse_history_csv(text: str, *, office: str | None = None, source: str = "csv") -> History:
    """Read `date,count` (and an optional `office` column) into one office's History."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = [name.strip().lower() for name in reader.fieldnames or []]
    if "date" not in fields or "count" not in fields:
        raise HistoryError("the header must name the columns date and count")
    reader.fieldnames = fields
    rows: dict[str, list[tuple[date, float]]] = {}
    for row in reader:
        line_no = reader.line_num  # blank lines are skipped, so count as the reader does
        raw_day, raw_count = (row.get("date") or "").strip(), (row.get("count") or "").strip()
        if not raw_day and not raw_count:
            continue
        try:
            day = date.fromisoformat(raw_day)
        except ValueError as exc:
            raise HistoryError(f"line {line_no}: {raw_day!r} is not an ISO date") from exc
        try:
            count = float(raw_count)
        except ValueError as exc:
            raise HistoryError(f"line {line_no}: {raw_count!r} is not a number") from exc
        if count < 0 or count != count:
            raise HistoryError(f"line {line_no}: a count must be a non-negative number")
        key = (row.get("office") or "").strip() if "office" in fields else ""
        rows.setdefault(key, []).append((day, count))
    if not rows:
        raise HistoryError("the file has no rows")
    if office is not None and "office" in fields:
        if office not in rows:
            raise HistoryError(f"no rows for office {office}")
        chosen = office
    elif len(rows) > 1:
        raise HistoryError(f"the file holds several offices ({', '.join(sorted(rows))}); pick one")
    else:
        chosen = next(iter(rows))
    return make_history(rows[chosen], office=chosen or office, source=source)


def read_history_csv(path: Path | str, *, office: str | None = None) -> History:
    """Read a history CSV file from disk."""
    path = Path(path)
    return parse_history_csv(path.read_text(encoding="utf-8"), office=office, source=str(path))


def history_to_csv(history: History, *, with_office: bool = False) -> str:
    """Write the history back as CSV text (counts as integers when they are whole)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "count", "office"] if with_office else ["date", "count"])
    for day, count in zip(history.days, history.counts, strict=True):
        shown: float | int = int(count) if float(count).is_integer() else float(count)
        row: Sequence[object] = (day.isoformat(), shown)
        writer.writerow([*row, history.office or ""] if with_office else row)
    return out.getvalue()


# Far above any office's day; keeps a typo (an extra digit or three) out of the database.
MAX_DAILY_COUNT = 100_000
_WHOLE = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class ImportRow:
    """One row of an import file: the line it came from, its office (if named), day and count."""

    line: int
    office: str
    day: date
    count: int


def parse_import_csv(text: str) -> list[ImportRow]:
    """Read `date,count[,office]` for storing: whole counts, and errors that name the line and field."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = [name.strip().lower() for name in reader.fieldnames or []]
    if "date" not in fields or "count" not in fields:
        raise invalid("file", "history_columns", "The file must have the columns date and count")
    reader.fieldnames = fields
    found: list[ImportRow] = []
    seen: dict[tuple[str, date], int] = {}
    for row in reader:
        line = reader.line_num  # blank lines are skipped, so count as the reader does
        raw_day, raw_count = (row.get("date") or "").strip(), (row.get("count") or "").strip()
        office = (row.get("office") or "").strip().upper()
        if not raw_day and not raw_count and not office:
            continue  # a blank line
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            raise invalid(
                "date", "history_date", "Line %(line)d: %(value)s is not a date (YYYY-MM-DD)",
                line=line, value=repr(raw_day),
            ) from None
        if not _WHOLE.fullmatch(raw_count) or int(raw_count) > MAX_DAILY_COUNT:
            raise invalid(
                "count", "history_count",
                "Line %(line)d: the count %(value)s must be a whole number from 0 to %(max)d",
                line=line, value=repr(raw_count), max=MAX_DAILY_COUNT,
            )
        if (office, day) in seen:
            raise invalid(
                "date", "history_duplicate", "Line %(line)d: %(day)s already appears on line %(first)d",
                line=line, day=day.isoformat(), first=seen[(office, day)],
            )
        seen[(office, day)] = line
        found.append(ImportRow(line, office, day, int(raw_count)))
    if not found:
        raise invalid("file", "history_empty", "The file has no rows")
    return found
