"""Fitting service times from measured stage times, and reading an import file (pure)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from loket.domain.errors import InvalidInput
from loket.planning.history import parse_import_csv
from loket.planning.measured import clean_samples, fit_service_times, with_service_times
from loket.planning.simulation import OfficeModel, ServiceTime

DEFAULTS = {"intake": ServiceTime(6.0), "biometrics": ServiceTime(9.6), "approval": ServiceTime(2.5)}


def test_enough_samples_are_fitted_and_the_rest_keep_defaults() -> None:
    rng = np.random.default_rng(1)
    measured = ServiceTime(8.0, cv=0.4).draw(rng, 4000)
    fitted = fit_service_times(
        {"biometrics": measured.tolist(), "intake": [5.0] * 5}, DEFAULTS, min_samples=30
    )
    assert fitted.sources == {"intake": "default", "biometrics": "measured", "approval": "default"}
    assert fitted.source == "mixed"
    assert abs(fitted.times["biometrics"].mean_min - 8.0) < 0.2
    assert abs(fitted.times["biometrics"].cv - 0.4) < 0.03
    assert fitted.times["intake"] == DEFAULTS["intake"]
    assert fitted.as_dict()["service_times_source"] == "mixed"


def test_all_or_nothing_measured() -> None:
    assert fit_service_times({}, DEFAULTS).source == "defaults"
    every = {name: [1.0, 2.0, 3.0] for name in DEFAULTS}
    assert fit_service_times(every, DEFAULTS, min_samples=3).source == "measured"


def test_impossible_durations_are_dropped() -> None:
    # A double press (1 s) and a forgotten finish (5 hours) say nothing about service.
    clean = clean_samples([1 / 60, 5.0, 6.0, 7.0, 300.0, float("nan")])
    assert clean.tolist() == [5.0, 6.0, 7.0]


def test_the_model_takes_the_fitted_times() -> None:
    fitted = fit_service_times({"biometrics": [12.0, 12.0, 12.0]}, DEFAULTS, min_samples=3)
    model = with_service_times(OfficeModel(), fitted)
    assert model.stage("biometrics").service.mean_min == 12.0
    assert model.stage("intake").service == DEFAULTS["intake"]


def test_import_rows_keep_the_line_office_and_whole_counts() -> None:
    rows = parse_import_csv("\ufeffDate,Count,Office\n2018-01-02,180,plg\n\n2018-01-02,90,DPS\n")
    assert [(r.line, r.office, r.day, r.count) for r in rows] == [
        (2, "PLG", date(2018, 1, 2), 180),
        (4, "DPS", date(2018, 1, 2), 90),
    ]


@pytest.mark.parametrize(
    ("text", "code", "field"),
    [
        ("date,count\n02/01/2018,5\n", "history_date", "date"),
        ("date,count\n2018-01-02,\n", "history_count", "count"),
        ("date,count\n2018-01-02,100001\n", "history_count", "count"),
        ("date,count\n2018-01-02,١٢\n", "history_count", "count"),
        ("count\n5\n", "history_columns", "file"),
        ("date,count\n\n", "history_empty", "file"),
    ],
)
def test_import_errors_name_the_field(text: str, code: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_import_csv(text)
    assert (raised.value.code, raised.value.field) == (code, field)
