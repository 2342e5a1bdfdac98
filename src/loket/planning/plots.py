"""Server-side charts (SVG or PNG bytes) for forecasts, plans and simulated queues."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede any pyplot import elsewhere

import numpy as np
import numpy.typing as npt
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from loket.domain.msgid import N_
from loket.planning.capacity import CapacityPlan
from loket.planning.forecast import Forecast
from loket.planning.history import History
from loket.planning.simulation import SimulationSummary, clock

# Turns an English label into the reader's language (the web page passes its locale's gettext).
Translate = Callable[[str], str]


def _same(message: str) -> str:
    return message


# Days of history the forecast chart shows before the forecast (LOKET_PLANNING_CHART_DAYS on the page).
CHART_HISTORY_DAYS = 120


def _render(fig: Figure, fmt: str) -> bytes:
    if fmt not in ("svg", "png"):
        raise ValueError("charts are rendered as svg or png")
    buffer = io.BytesIO()
    # SVG text as text, not outlines: screen readers, search and the page's language stay in it.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, bbox_inches="tight", dpi=110)
    return buffer.getvalue()


def _dates(days: Sequence[date]) -> npt.NDArray[np.datetime64]:
    return np.array(days, dtype="datetime64[D]")


def format_of(path: Path | str) -> str:
    """`svg` or `png` from a file name."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in ("svg", "png"):
        raise ValueError("the plot file must end in .svg or .png")
    return suffix


def forecast_chart(
    history: History,
    forecast: Forecast,
    *,
    fmt: str = "svg",
    days: int = CHART_HISTORY_DAYS,
    text: Translate = _same,
) -> bytes:
    """The last `days` days of history before the forecast, and the forecast with its 80% band.

    History after the forecast starts (days already known in a hold-out) is drawn too, so the
    band can be checked against it; nothing older than `days` before the first forecast day.
    """
    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    start = (forecast.days[0] if forecast.days else history.days[-1]) - timedelta(days=days)
    end = forecast.days[-1] if forecast.days else history.days[-1]
    keep = [i for i, day in enumerate(history.days) if start <= day <= end]
    shown = [history.days[i] for i in keep]
    ax.plot(_dates(shown), history.counts[keep], color="#555", lw=1, label=text(N_("history")))
    future = _dates(forecast.days)
    ax.fill_between(
        future, forecast.lo, forecast.hi, color="#4c8bf5", alpha=0.25, label=text(N_("Interval (80%)"))
    )
    ax.plot(future, forecast.mean, color="#1a56c4", lw=1.5, label=text(N_("forecast")))
    title = text(N_("Applications per day")) + f" - {history.office or ''}"
    if history.synthetic:
        title += " (" + text(N_("synthetic history")) + ")"
    ax.set_title(title)
    ax.set_xlabel(text(N_("date")))
    ax.set_ylabel(text(N_("applicants per day")))
    ax.xaxis.set_major_formatter(DateFormatter("%d-%m-%Y"))  # numeric: no month names in English
    ax.legend(loc="upper left", fontsize=8)
    fig.autofmt_xdate()
    return _render(fig, fmt)


def plan_chart(plan: CapacityPlan, *, fmt: str = "svg", text: Translate = _same) -> bytes:
    """Demand against regular capacity, with the planned overtime hours."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    days = _dates([d.day for d in plan.days])
    ax.bar(days, [d.demand for d in plan.days], color="#9bbcf2", label=text(N_("forecast demand")))
    ax.plot(
        days, [d.regular_capacity for d in plan.days], color="#c0392b", lw=1.5,
        label=text(N_("regular capacity")),
    )
    ax.plot(days, [d.served for d in plan.days], "k.", label=text(N_("planned served")))
    ax.set_ylabel(text(N_("applicants")))
    ax.set_xlabel(text(N_("date")))
    ax.xaxis.set_major_formatter(DateFormatter("%d-%m"))
    twin = ax.twinx()
    twin.step(
        days, [d.overtime_hours for d in plan.days], where="mid", color="#e67e22",
        label=text(N_("overtime (h)")),
    )
    twin.set_ylabel(text(N_("overtime hours")))
    ax.legend(loc="upper left", fontsize=8)
    twin.legend(loc="upper right", fontsize=8)
    fig.autofmt_xdate()
    return _render(fig, fmt)


def queue_chart(summary: SimulationSummary, *, fmt: str = "svg", text: Translate = _same) -> bytes:
    """Simulated people waiting over the day: mean and 90th percentile across replications."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    x = list(range(len(summary.queue_times)))
    ax.plot(x, summary.queue_mean, label=text(N_("mean waiting")))
    ax.plot(x, summary.queue_p90, "--", label=text(N_("90th percentile")))
    ticks = x[:: max(1, len(x) // 12)]
    ax.set_xticks(ticks, [clock(summary.queue_times[i]) for i in ticks])
    ax.set_ylabel(text(N_("applicants waiting")))
    ax.set_xlabel(text(N_("time of day")))
    ax.legend(fontsize=8)
    return _render(fig, fmt)
