"""One entry point per report and format: what the CLI and the pages call (in a worker thread)."""

from __future__ import annotations

from typing import Literal

from loket.domain.reconciliation import Reconciliation
from loket.domain.service_report import ServiceReport
from loket.i18n import N_
from loket.reports import charts, csvfile, pdf, xlsx
from loket.reports.labels import t
from loket.reports.tables import period_label, reconciliation_sections, service_sections

Format = Literal["csv", "xlsx", "pdf", "json"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "pdf", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def service_title(report: ServiceReport, locale: str) -> tuple[str, str]:
    """The report's title and its period, in the reader's language."""
    title = t(locale, N_("Service report")) + f": {report.office_name}"
    return title, period_label(report.first, report.last, locale)


def service_report_file(report: ServiceReport, fmt: str, locale: str) -> bytes:
    """The service report as csv, xlsx, pdf or json bytes."""
    if fmt == "json":
        return csvfile.service_json(report).encode()
    sections = service_sections(report, locale)
    if fmt == "csv":
        return csvfile.sections_csv(sections).encode()
    title, subtitle = service_title(report, locale)
    if fmt == "xlsx":
        return xlsx.workbook(title, subtitle, sections)
    if fmt == "pdf":
        pngs = [
            charts.daily_chart(report, locale),
            charts.stages_chart(report, locale),
            charts.sla_chart(report, locale),
        ]
        if report.ikm is not None and report.ikm.result is not None:
            pngs.append(charts.ikm_chart(report.ikm, locale))
        return pdf.document(
            title,
            subtitle,
            sections,
            locale,
            charts=pngs,
            footer=f"Loket · {report.office_code} · {subtitle}",
        )
    raise ValueError(f"unknown format {fmt!r}")


def reconciliation_file(rec: Reconciliation, fmt: str, locale: str, *, title: str, zone: str) -> bytes:
    """The reconciliation as csv, xlsx or json bytes."""
    import json

    if fmt == "json":
        return json.dumps(rec.as_dict(), ensure_ascii=False, indent=2).encode()
    sections = reconciliation_sections(rec, locale, zone)
    if fmt == "csv":
        return csvfile.sections_csv(sections).encode()
    if fmt == "xlsx":
        return xlsx.workbook(title, "", sections)
    raise ValueError(f"unknown format {fmt!r}")
