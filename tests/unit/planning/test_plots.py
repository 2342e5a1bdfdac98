"""Charts render to SVG and PNG bytes without a display."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from loket.planning.capacity import plan_capacity
from loket.planning.forecast import Forecast
from loket.planning.history import make_history
from loket.planning.plots import forecast_chart, format_of, plan_chart, queue_chart
from loket.planning.simulation import OfficeModel, simulate_day
from loket.planning.synthetic import demo_calendar


def test_charts_render() -> None:
    days = [date(2017, 12, 4) + timedelta(days=i) for i in range(5)]
    mean = np.full(5, 180.0)
    fc = Forecast(tuple(days), mean, mean - 20, mean + 20)
    history = make_history([(date(2017, 11, 27) + timedelta(days=i), 150.0) for i in range(5)], office="PLG")
    assert b"<svg" in forecast_chart(history, fc, fmt="svg")
    assert forecast_chart(history, fc, fmt="png").startswith(b"\x89PNG")
    assert b"<svg" in plan_chart(plan_capacity(OfficeModel(), fc, demo_calendar()))
    assert b"<svg" in queue_chart(simulate_day(OfficeModel(), 150, replications=3))


def test_plot_format_from_name() -> None:
    assert format_of("a/b.PNG") == "png"
    with pytest.raises(ValueError):
        format_of("chart.pdf")


def test_the_forecast_chart_speaks_the_page_language_and_shows_recent_days() -> None:
    from functools import partial

    from loket.i18n import translate

    start = date(2016, 1, 4)
    history = make_history([(start + timedelta(days=i), 150.0 + i % 7) for i in range(700)], office="PLG")
    future = [history.days[-1] + timedelta(days=i + 1) for i in range(20)]
    mean = np.full(20, 160.0)
    fc = Forecast(tuple(future), mean, mean - 20, mean + 20)
    svg = forecast_chart(history, fc, fmt="svg", text=partial(translate, "id")).decode()
    for words in ("riwayat", "prakiraan", "pemohon per hari", "tanggal"):
        assert words in svg
    assert "history" not in svg
    # 120 days before the forecast: the axis starts in the forecast's year, not at the history's.
    assert "-2017" in svg and "-2016" not in svg
