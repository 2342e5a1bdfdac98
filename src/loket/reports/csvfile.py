"""CSV and JSON: the same tables for machines (raw numbers, ISO dates)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from loket.domain.service_report import ServiceReport
from loket.reports.tables import Section, raw


def sections_csv(sections: list[Section]) -> str:
    """One CSV: each table under a row naming it, tables separated by a blank row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for i, section in enumerate(sections):
        if i:
            writer.writerow([])
        writer.writerow([f"# {section.title}"])
        writer.writerow(section.headers)
        for values in section.rows:
            writer.writerow(["" if (v := raw(cell)) is None else v for cell in values])
    return buffer.getvalue()


def service_dict(report: ServiceReport) -> dict[str, Any]:
    """The service report as JSON-ready data (English keys, ISO dates, seconds)."""
    sla = report.sla
    return {
        "office": report.office_code,
        "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "applications": {
            "total": report.total_applications,
            "by_service_product": [
                {
                    "service": r.service,
                    "product": r.product,
                    "applications": r.applications,
                    "checked_in": r.checked_in,
                    "no_show": r.no_show,
                }
                for r in report.applications
            ],
        },
        "walk_ins": report.walk_ins,
        "check_ins": report.check_ins,
        "no_shows": report.no_shows,
        "absent_when_called": report.absent_when_called,
        "incomplete": {"dossiers": report.incomplete, "by_document": report.missing_documents},
        "stages": [
            {k: (round(v, 1) if isinstance(v, float) else v) for k, v in vars(s).items()}
            for s in report.stages
        ],
        "sla": {
            "due": sla.due,
            "on_time": sla.on_time,
            "late": sla.late,
            "pending": sla.pending,
            "share_on_time": None if sla.share is None else round(sla.share, 4),
            "breaches": [
                {
                    "ticket": b.ticket,
                    "day": b.day.isoformat(),
                    "due_date": b.due_date.isoformat(),
                    "ready_on": b.ready_on.isoformat() if b.ready_on else None,
                    "stage": b.stage,
                    "working_days_late": b.working_days_late,
                    "causes": list(b.causes),
                }
                for b in sla.breaches
            ],
        },
        "overtime": {
            "station_hours": round(report.overtime_hours, 2),
            "days": [
                {
                    "date": d.day.isoformat(),
                    "closes": d.closes.strftime("%H:%M") if d.closes else None,
                    "last_finish": d.last_finish.strftime("%H:%M"),
                    "stations": d.stations,
                    "station_hours": round(d.hours, 2),
                }
                for d in report.overtime
            ],
        },
        "downtime": {
            "hours": round(report.downtime_hours, 2),
            "stations": [
                {
                    "station": d.station_code,
                    "kind": d.kind,
                    "from": d.start.isoformat(),
                    "until": d.end.isoformat(),
                    "ongoing": d.ongoing,
                    "hours": round(d.hours, 2),
                    "reason": d.reason,
                }
                for d in report.downtime
            ],
        },
        "days": [
            {
                "date": d.day.isoformat(),
                "applications": d.applications,
                "check_ins": d.check_ins,
                "no_shows": d.no_shows,
            }
            for d in report.days
        ],
        "ikm": report.ikm.as_dict() if report.ikm else None,
    }


def service_json(report: ServiceReport) -> str:
    """The service report as indented JSON text."""
    return json.dumps(service_dict(report), ensure_ascii=False, indent=2)
