"""The content of the reports as titled tables of typed cells, written once for every format.

XLSX keeps numbers as numbers (with formats), the PDF and the page show them formatted the
Indonesian way (`formatted`), CSV writes them raw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from babel.numbers import format_decimal, format_percent

from loket.domain.ikm import ELEMENTS, IkmReport
from loket.domain.reconciliation import Kind, Reconciliation
from loket.domain.service_report import ServiceReport
from loket.formatting import local_datetime, long_date, rupiah, short_date
from loket.i18n import N_
from loket.reports.labels import CAUSES, KINDS, NOTES, PRODUCTS, SERVICES, label, t


@dataclass(frozen=True)
class Minutes:
    seconds: float | None


@dataclass(frozen=True)
class Share:
    value: float | None


@dataclass(frozen=True)
class Money:
    amount: int


@dataclass(frozen=True)
class Moment:
    at: datetime
    zone: str


Cell = str | int | float | date | Minutes | Share | Money | Moment | None


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    sheet: str = ""  # a short name for a spreadsheet tab (at most 31 characters)


def formatted(cell: Cell, locale: str) -> str:
    """A cell as people read it: `12,5`, `95,3%`, `Rp 355.000`, `28 Des 2017`."""
    if cell is None:
        return "–"
    if isinstance(cell, Minutes):
        return "–" if cell.seconds is None else format_decimal(round(cell.seconds / 60, 1), locale=locale)
    if isinstance(cell, Share):
        return "–" if cell.value is None else format_percent(cell.value, "#,##0.0%", locale=locale)
    if isinstance(cell, Money):
        return rupiah(cell.amount, locale)
    if isinstance(cell, Moment):
        return local_datetime(cell.at, cell.zone, locale)
    if isinstance(cell, date):
        return short_date(cell, locale)
    if isinstance(cell, float):
        return format_decimal(round(cell, 2), locale=locale)
    if isinstance(cell, int):
        return format_decimal(cell, locale=locale)
    return str(cell)


def raw(cell: Cell) -> Any:
    """A cell for machines (CSV): numbers as numbers, minutes as minutes, dates as ISO."""
    if isinstance(cell, Minutes):
        return None if cell.seconds is None else round(cell.seconds / 60, 2)
    if isinstance(cell, Share):
        return None if cell.value is None else round(cell.value, 4)
    if isinstance(cell, Money):
        return cell.amount
    if isinstance(cell, Moment):
        return cell.at.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return cell


def period_label(first: date, last: date, locale: str) -> str:
    """`Jumat, 1 Desember 2017 – Minggu, 31 Desember 2017` (one date for one day)."""
    return (
        long_date(first, locale)
        if first == last
        else f"{long_date(first, locale)} – {long_date(last, locale)}"
    )


SUMMARY = N_("Summary")
SHEETS = {
    "summary": SUMMARY,
    "applications": N_("Applications"),
    "documents": N_("Incomplete dossiers"),
    "stages": N_("Stages"),
    "breaches": N_("SLA breaches"),
    "overtime": N_("Overtime"),
    "downtime": N_("Downtime"),
    "days": N_("Per day"),
    "ikm": N_("IKM"),
    "totals": N_("Totals"),
    "lines": N_("Lines"),
}
FIGURE, VALUE = N_("Figure"), N_("Value")


def service_summary(report: ServiceReport, locale: str) -> Section:
    """The headline figures of the service report."""
    sla = report.sla
    rows: list[list[Cell]] = [
        [t(locale, N_("Period")), period_label(report.first, report.last, locale)],
        [t(locale, N_("Applications")), report.total_applications],
        [t(locale, N_("Priority walk-ins")), report.walk_ins],
        [t(locale, N_("Check-ins")), report.check_ins],
        [t(locale, N_("No-shows (paid, never came)")), report.no_shows],
        [t(locale, N_("Absent when called")), report.absent_when_called],
        [t(locale, N_("Incomplete dossiers")), report.incomplete],
        [t(locale, N_("Due in the period")), sla.due],
        [t(locale, N_("Printed within the promised working days")), Share(sla.share)],
        [t(locale, N_("SLA breaches")), sla.late],
        [t(locale, N_("Overtime (station-hours)")), round(report.overtime_hours, 2)],
        [t(locale, N_("Station downtime (hours)")), round(report.downtime_hours, 2)],
    ]
    ikm = report.ikm
    if ikm is not None and ikm.result is not None:
        rows.append([t(locale, N_("Satisfaction index (IKM)")), round(ikm.result.converted, 2)])
        rows.append(
            [
                t(locale, N_("Service quality grade")),
                f"{ikm.result.grade} ({t(locale, ikm.result.performance)})",
            ]
        )
    return Section("summary", t(locale, SUMMARY), [t(locale, FIGURE), t(locale, VALUE)], rows)


def _heads(locale: str, *msgids: str) -> list[str]:
    return [t(locale, m) for m in msgids]


def _money(amount: int | None) -> Money | None:
    return None if amount is None else Money(amount)


def service_sections(report: ServiceReport, locale: str) -> list[Section]:
    """Every table of the service report, the summary first."""
    apps = Section(
        "applications",
        t(locale, N_("Applications by service and product")),
        _heads(locale, N_("Service"), N_("Product"), N_("Applications"), N_("Check-ins"), N_("No-shows")),
        [
            [
                label(SERVICES, r.service, locale),
                label(PRODUCTS, r.product, locale),
                r.applications,
                r.checked_in,
                r.no_show,
            ]
            for r in report.applications
        ],
    )
    docs = Section(
        "documents",
        t(locale, N_("Incomplete dossiers by missing document")),
        _heads(locale, N_("Document"), N_("Dossiers")),
        [[t(locale, doc), n] for doc, n in report.missing_documents.items()],
    )
    stage_heads = _heads(
        locale,
        N_("Stage"),
        N_("Visits"),
        N_("Served"),
        N_("Mean wait"),
        N_("P50 wait"),
        N_("P90 wait"),
        N_("Wait target"),
        N_("Waits within target"),
        N_("Mean service"),
        N_("P50 service"),
        N_("P90 service"),
        N_("Service target"),
        N_("Services within target"),
    )
    stages = Section(
        "stages",
        t(locale, N_("Waiting and service time per stage (minutes)")),
        stage_heads,
        [
            [
                t(locale, s.stage),
                s.visits,
                s.served,
                Minutes(s.wait_mean_s),
                Minutes(s.wait_p50_s),
                Minutes(s.wait_p90_s),
                Minutes(s.wait_target_s),
                Share(s.wait_within_target),
                Minutes(s.service_mean_s),
                Minutes(s.service_p50_s),
                Minutes(s.service_p90_s),
                Minutes(s.service_target_s),
                Share(s.service_within_target),
            ]
            for s in report.stages
        ],
    )
    breaches = Section(
        "breaches",
        t(locale, N_("SLA breaches and their causes")),
        _heads(
            locale,
            N_("Ticket"),
            N_("Service day"),
            N_("Due"),
            N_("Ready"),
            N_("Stage"),
            N_("Working days late"),
            N_("Causes"),
        ),
        [
            [
                b.ticket,
                b.day,
                b.due_date,
                b.ready_on,
                t(locale, b.stage),
                b.working_days_late,
                ", ".join(label(CAUSES, c, locale) for c in b.causes),
            ]
            for b in report.sla.breaches
        ],
    )
    overtime = Section(
        "overtime",
        t(locale, N_("Overtime worked")),
        _heads(
            locale,
            N_("Date"),
            N_("Closing time"),
            N_("Last service finished"),
            N_("Stations"),
            N_("Station-hours"),
        ),
        [
            [
                d.day,
                d.closes.strftime("%H.%M") if d.closes else t(locale, N_("extra service day")),
                d.last_finish.strftime("%H.%M"),
                d.stations,
                round(d.hours, 2),
            ]
            for d in report.overtime
        ],
    )
    tz = report.timezone
    downtime = Section(
        "downtime",
        t(locale, N_("Stations' downtime")),
        _heads(locale, N_("Station"), N_("Kind"), N_("From"), N_("Until"), N_("Hours"), N_("Reason")),
        [
            [
                d.station_name,
                t(locale, d.kind) if d.kind else "",
                Moment(d.start, tz),
                t(locale, N_("still down")) if d.ongoing else Moment(d.end, tz),
                round(d.hours, 2),
                d.reason,
            ]
            for d in report.downtime
        ],
    )
    days = Section(
        "days",
        t(locale, N_("Per day")),
        _heads(locale, N_("Date"), N_("Applications"), N_("Check-ins"), N_("No-shows")),
        [[d.day, d.applications, d.check_ins, d.no_shows] for d in report.days],
    )
    found = [service_summary(report, locale), apps, docs, stages, breaches, overtime, downtime, days]
    if report.ikm is not None:
        found.append(ikm_elements(report.ikm, locale))
    for section in found:
        section.sheet = t(locale, SHEETS[section.key])
    return found


def ikm_elements(ikm: IkmReport, locale: str) -> Section:
    """The IKM per element (PermenPAN-RB 14/2017): mean score, converted index and grade."""
    rows: list[list[Cell]] = []
    if ikm.result is not None:
        for element, score in zip(ELEMENTS, ikm.result.elements, strict=True):
            rows.append(
                [
                    element.key.upper(),
                    t(locale, element.name),
                    round(score.mean, 2),
                    round(score.converted, 2),
                    score.grade,
                ]
            )
        rows.append(
            [
                "",
                t(locale, N_("Service unit")),
                round(ikm.result.index, 2),
                round(ikm.result.converted, 2),
                ikm.result.grade,
            ]
        )
    return Section(
        "ikm",
        t(locale, N_("Satisfaction index (IKM) per element")),
        [
            t(locale, N_("Element")),
            t(locale, N_("Name")),
            t(locale, N_("Mean score")),
            "IKM",
            t(locale, N_("Grade")),
        ],
        rows,
    )


def reconciliation_sections(rec: Reconciliation, locale: str, zone: str) -> list[Section]:
    """The totals per kind (they add up to both sides' totals) and every line."""
    totals = rec.totals()
    rows: list[list[Cell]] = [
        [
            label(KINDS, k.value, locale),
            totals[k].count,
            Money(totals[k].statement),
            Money(totals[k].loket),
            Money(totals[k].refund),
        ]
        for k in Kind
    ]
    rows.append(
        [
            t(locale, N_("Total")),
            len(rec.items),
            Money(rec.statement_total),
            Money(rec.loket_total),
            Money(rec.refund_total),
        ]
    )
    summary = Section(
        "totals",
        t(locale, N_("Totals")),
        _heads(locale, N_("Kind"), N_("Lines"), N_("Bank statement"), N_("Loket"), N_("Refund due")),
        rows,
    )
    heads = _heads(
        locale,
        N_("Kind"),
        N_("NTPN"),
        N_("Billing code"),
        N_("Booking"),
        N_("Bank"),
        N_("Paid at"),
        N_("Bank statement"),
        N_("Loket"),
        N_("Billed"),
        N_("Refund due"),
        N_("Note"),
    )
    lines = Section(
        "lines",
        t(locale, N_("Lines")),
        heads,
        [
            [
                label(KINDS, i.kind.value, locale),
                i.ntpn,
                i.billing_code,
                i.booking_code or "",
                i.bank,
                Moment(i.paid_at, zone),
                _money(i.statement_amount),
                _money(i.loket_amount),
                _money(i.billed),
                Money(i.refund),
                label(NOTES, i.note, locale),
            ]
            for i in rec.items
        ],
    )
    for section in (summary, lines):
        section.sheet = t(locale, SHEETS[section.key])
    return [summary, lines]
