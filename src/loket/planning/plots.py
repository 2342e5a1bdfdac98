"""Server-side charts (SVG or PNG bytes) for forecasts, plans and simulated queues."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede any pyplot import elsewhere

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from loket.planning.capacity import CapacityPlan
from loket.planning.forecast import Forecast
from loket.planning.history import History
from loket.planning.simulation import SimulationSummary, clock


def _render(fig: Figure, fmt: str) -> bytes:
    if fmt not in ("svg", "png"):
        raise ValueError("charts are rendered as svg or png")
    buffer = io.BytesIO()
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


def forecast_chart(history: History, forecast: Forecast, *, fmt: str = "svg", tail: int = 120) -> bytes:
    """Recent history and the forecast with its 80% band."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    ax.plot(_dates(history.days[-tail:]), history.counts[-tail:], color="#555", lw=1, label="history")
    future = _dates(forecast.days)
    ax.fill_between(future, forecast.lo, forecast.hi, color="#4c8bf5", alpha=0.25, label="80% interval")
    ax.plot(_dates(forecast.days), forecast.mean, color="#1a56c4", lw=1.5, label="forecast")
    title = f"Applications per day - {history.office or ''}"
    if history.synthetic:
        title += " (synthetic history)"
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    fig.autofmt_xdate()
    return _render(fig, fmt)


def plan_chart(plan: CapacityPlan, *, fmt: str = "svg") -> bytes:
    """Demand against regular capacity, with the planned overtime hours."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    days = _dates([d.day for d in plan.days])
    ax.bar(days, [d.demand for d in plan.days], color="#9bbcf2", label="forecast demand")
    ax.plot(days, [d.regular_capacity for d in plan.days], color="#c0392b", lw=1.5, label="regular capacity")
    ax.plot(days, [d.served for d in plan.days], "k.", label="planned served")
    ax.set_ylabel("applicants")
    twin = ax.twinx()
    twin.step(days, [d.overtime_hours for d in plan.days], where="mid", color="#e67e22", label="overtime (h)")
    twin.set_ylabel("overtime hours")
    ax.legend(loc="upper left", fontsize=8)
    twin.legend(loc="upper right", fontsize=8)
    fig.autofmt_xdate()
    return _render(fig, fmt)


def queue_chart(summary: SimulationSummary, *, fmt: str = "svg") -> bytes:
    """Simulated people waiting over the day: mean and 90th percentile across replications."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    x = list(range(len(summary.queue_times)))
    ax.plot(x, summary.queue_mean, label="mean waiting")
    ax.plot(x, summary.queue_p90, "--", label="90th percentile")
    ticks = x[:: max(1, len(x) // 12)]
    ax.set_xticks(ticks, [clock(summary.queue_times[i]) for i in ticks])
    ax.set_ylabel("applicants waiting")
    ax.legend(fontsize=8)
    return _render(fig, fmt)
