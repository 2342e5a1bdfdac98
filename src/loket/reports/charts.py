"""Report charts (matplotlib, Agg): PNG or SVG bytes, labelled in the reader's language."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # servers have no display; must precede any pyplot import elsewhere

from babel.numbers import format_decimal, format_percent
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from loket.domain.ikm import GRADES, IkmReport
from loket.domain.service_report import ServiceReport
from loket.i18n import N_
from loket.reports.labels import CAUSES, label, t

COUNTER_STAGES = ("intake", "biometrics", "approval")
CHART_KINDS = ("daily", "stages", "sla", "ikm")


def _render(fig: Figure, fmt: str) -> bytes:
    if fmt not in ("svg", "png"):
        raise ValueError("charts are rendered as svg or png")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, bbox_inches="tight", dpi=110)
    return buffer.getvalue()


def daily_chart(report: ServiceReport, locale: str, *, fmt: str = "png") -> bytes:
    """Applications, check-ins and no-shows per day."""
    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    x = list(range(len(report.days)))
    names = [t(locale, N_("Applications")), t(locale, N_("Check-ins")), t(locale, N_("No-shows"))]
    ax.bar(x, [d.applications for d in report.days], color="#9bbcf2", label=names[0])
    # Markers only where something happened: a row of zeros along the axis hides the bars.
    shown = [(i, d) for i, d in zip(x, report.days, strict=True) if d.check_ins or d.no_shows]
    ax.plot(
        [i for i, _ in shown], [d.check_ins for _, d in shown], "o", color="#1a56c4", ms=4, label=names[1]
    )
    ax.plot([i for i, _ in shown], [d.no_shows for _, d in shown], "x", color="#c0392b", ms=6, label=names[2])
    step = max(1, (len(x) + 7) // 8)
    ax.set_xticks(x[::step], [d.day.strftime("%d/%m") for d in report.days][::step], fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(t(locale, N_("Applications per day")))
    ax.legend(fontsize=8, loc="upper left")
    return _render(fig, fmt)


def stages_chart(report: ServiceReport, locale: str, *, fmt: str = "png") -> bytes:
    """Mean and 90th-percentile wait per counter stage, in minutes, against the target."""
    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    rows = [s for s in report.stages if s.stage in COUNTER_STAGES]
    x = list(range(len(rows)))

    def minutes(v: float | int | None) -> float:
        return 0.0 if v is None else float(v) / 60

    ax.bar(
        [i - 0.2 for i in x], [minutes(s.wait_mean_s) for s in rows], 0.4, label=t(locale, N_("Mean wait"))
    )
    ax.bar([i + 0.2 for i in x], [minutes(s.wait_p90_s) for s in rows], 0.4, label=t(locale, N_("P90 wait")))
    for i, s in enumerate(rows):
        if s.wait_target_s is not None:
            ax.hlines(minutes(s.wait_target_s), i - 0.45, i + 0.45, colors="#c0392b", linestyles="dashed")
    ax.plot([], [], "--", color="#c0392b", label=t(locale, N_("Wait target")))
    ax.set_xticks(x, [t(locale, s.stage) for s in rows])
    ax.set_ylabel(t(locale, N_("minutes")))
    ax.set_title(t(locale, N_("Waiting time per stage")))
    ax.legend(fontsize=8)
    return _render(fig, fmt)


def sla_chart(report: ServiceReport, locale: str, *, fmt: str = "png") -> bytes:
    """On time, late and pending applications, and the causes of the breaches."""
    fig = Figure(figsize=(7, 3))
    left, right = fig.subplots(1, 2)
    sla = report.sla
    names = [t(locale, N_("On time")), t(locale, N_("Late")), t(locale, N_("Pending"))]
    left.barh(names, [sla.on_time, sla.late, sla.pending], color=["#2e7d32", "#c0392b", "#9e9e9e"])
    left.invert_yaxis()
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.tick_params(axis="y", labelsize=8)
    share = "–" if sla.share is None else format_percent(sla.share, "#,##0.0%", locale=locale)
    left.set_title(f"{t(locale, N_('Printed within the promised working days'))}:\n{share}", fontsize=9)
    counts = {c: 0 for c in CAUSES}
    for b in sla.breaches:
        for c in b.causes:
            counts[c] += 1
    right.barh([label(CAUSES, c, locale) for c in counts], list(counts.values()), color="#e67e22")
    right.invert_yaxis()
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.tick_params(axis="y", labelsize=8)
    right.set_title(t(locale, N_("Causes of the breaches")), fontsize=9)
    fig.tight_layout()
    return _render(fig, fmt)


def ikm_chart(ikm: IkmReport, locale: str, *, fmt: str = "png") -> bytes:
    """The converted index of each element (25-100) against the grade bands."""
    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    result = ikm.result
    keys = [f"U{i}" for i in range(1, 10)]
    values = [e.converted for e in result.elements] if result else [0.0] * 9
    ax.bar(keys, values, color="#4c8bf5")
    for grade in GRADES[:-1]:
        ax.axhline(grade.lowest, color="#888", lw=0.8, ls=":")
        ax.text(8.6, grade.lowest, grade.letter, va="bottom", fontsize=8)
    ax.set_ylim(25, 100)
    title = t(locale, N_("Satisfaction index (IKM) per element"))
    if result:
        title += f": {format_decimal(round(result.converted, 2), '0.00', locale=locale)} ({result.grade})"
    ax.set_title(title)
    return _render(fig, fmt)
