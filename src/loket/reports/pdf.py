"""PDF reports (ReportLab): title, summary, charts and every table, A4, Indonesian formatting."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from loket.reports.tables import Section, formatted

PAGE = landscape(A4)
MARGIN = 1.5 * cm
CHART_WIDTH = PAGE[0] - 2 * MARGIN


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=base["BodyText"], fontSize=7.5, leading=9)
    return {
        "title": base["Title"],
        "subtitle": base["Heading3"],
        "h2": base["Heading2"],
        "body": base["BodyText"],
        "cell": cell,
        "head": ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold"),
    }


def _table(section: Section, locale: str, styles: dict[str, ParagraphStyle]) -> Flowable:
    head = [Paragraph(escape(h), styles["head"]) for h in section.headers]
    body = [[Paragraph(escape(formatted(c, locale)), styles["cell"]) for c in row] for row in section.rows]
    table = Table([head, *body], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef8")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b8c4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f9fc")]),
            ]
        )
    )
    return table


def _chart(png: bytes, width: float) -> Image:
    image = Image(io.BytesIO(png))
    scale = width / image.imageWidth
    image.drawWidth, image.drawHeight = width, image.imageHeight * scale
    return image


def _charts(pngs: Sequence[bytes]) -> Flowable:
    """The charts two to a row: a report's first page shows the summary and its pictures."""
    width = CHART_WIDTH / 2 - 0.2 * cm
    cells = [_chart(png, width) for png in pngs]
    rows = [cells[i : i + 2] + [""] * (2 - len(cells[i : i + 2])) for i in range(0, len(cells), 2)]
    grid = Table(rows, colWidths=[CHART_WIDTH / 2] * 2, hAlign="LEFT")
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return grid


def _footer(label: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(MARGIN, 0.8 * cm, label)
        canvas.drawRightString(PAGE[0] - MARGIN, 0.8 * cm, str(doc.page))
        canvas.restoreState()

    return draw


def document(
    title: str,
    subtitle: str,
    sections: Sequence[Section],
    locale: str,
    *,
    charts: Sequence[bytes] = (),
    empty: str = "–",
    footer: str = "",
) -> bytes:
    """A PDF: the title page block, the first section (the summary), the charts, then the tables."""
    styles = _styles()
    story: list[Flowable] = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(escape(subtitle), styles["subtitle"]),
    ]
    for i, section in enumerate(sections):
        block: list[Flowable] = [Paragraph(escape(section.title), styles["h2"])]
        block.append(_table(section, locale, styles) if section.rows else Paragraph(empty, styles["body"]))
        story.append(KeepTogether(block) if len(section.rows) < 25 else block[0])
        if len(section.rows) >= 25:
            story.append(block[1])
        story.append(Spacer(1, 0.3 * cm))
        if i == 0 and charts:
            story.append(_charts(charts))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="Loket",
    )
    doc.build(story, onFirstPage=_footer(footer), onLaterPages=_footer(footer))
    return buffer.getvalue()
