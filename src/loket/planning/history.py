"""Daily application counts of one office: parse and write the `date,count[,office]` CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt


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
    for line_no, row in enumerate(reader, start=2):
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
