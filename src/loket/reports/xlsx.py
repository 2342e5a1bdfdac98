"""XLSX workbooks (openpyxl): a sheet per table, numbers kept as numbers with Indonesian formats."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from loket.reports.tables import Cell, Minutes, Moment, Money, Section, Share

RUPIAH_FORMAT = '"Rp" #,##0'
DATE_FORMAT = "dd/mm/yyyy"
TIME_FORMAT = "dd/mm/yyyy hh:mm"


def _value(cell: Cell) -> tuple[object, str | None]:
    if isinstance(cell, Minutes):
        return (None if cell.seconds is None else round(cell.seconds / 60, 2)), "0.0"
    if isinstance(cell, Share):
        return cell.value, "0.0%"
    if isinstance(cell, Money):
        return cell.amount, RUPIAH_FORMAT
    if isinstance(cell, Moment):
        # Excel has no time zones: the office's wall-clock time, as people there read it.
        local = cell.at.astimezone(ZoneInfo(cell.zone)).replace(tzinfo=None)
        return local, TIME_FORMAT
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None), TIME_FORMAT
    if isinstance(cell, date):
        return cell, DATE_FORMAT
    return cell, None


def workbook(title: str, subtitle: str, sections: list[Section]) -> bytes:
    """An .xlsx file: the first sheet carries the title; each section is a sheet."""
    book = Workbook()
    first = True
    for section in sections:
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        sheet.title = (section.sheet or section.title)[:31].replace("/", "-").replace(":", "")
        row = 1
        if first:
            sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
            sheet.cell(row=2, column=1, value=subtitle)
            row = 4
            first = False
        for col, header in enumerate(section.headers, start=1):
            sheet.cell(row=row, column=col, value=header).font = Font(bold=True)
        widths = [len(h) for h in section.headers]
        for values in section.rows:
            row += 1
            for col, cell in enumerate(values, start=1):
                value, number_format = _value(cell)
                target = sheet.cell(row=row, column=col, value=value)
                if number_format:
                    target.number_format = number_format
                widths[col - 1] = max(widths[col - 1], min(60, len(str(value or ""))))
        for col, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = max(10, width + 2)
        sheet.freeze_panes = sheet.cell(row=row - len(section.rows) + 1 if section.rows else row, column=1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
