"""Reading daily counts from CSV."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from loket.planning.history import HistoryError, history_to_csv, make_history, parse_history_csv


def test_plain_daily_series() -> None:
    h = parse_history_csv("date,count\n2024-01-02,5\n2024-01-01,3\n2024-01-06,1\n")
    assert h.days == (date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 6))
    assert list(h.counts) == [3, 5, 1]
    assert not h.weekdays_only
    assert h.season == 7


def test_weekdays_only_series_has_season_five() -> None:
    h = parse_history_csv("date,count\n2024-01-01,3\n2024-01-02,4\n2024-01-05,2\n")
    assert h.weekdays_only
    assert h.season == 5


def test_office_column_picks_one_office() -> None:
    text = "date,count,office\n2024-01-01,3,PLG\n2024-01-01,9,DPS\n2024-01-02,4,PLG\n"
    h = parse_history_csv(text, office="PLG")
    assert h.office == "PLG"
    assert list(h.counts) == [3, 4]
    with pytest.raises(HistoryError, match="several offices"):
        parse_history_csv(text)
    with pytest.raises(HistoryError, match="no rows for office"):
        parse_history_csv(text, office="JKT")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,n\n2024-01-01,1\n", "header"),
        ("date,count\n01/02/2024,1\n", "ISO date"),
        ("date,count\n2024-01-01,many\n", "not a number"),
        ("date,count\n2024-01-01,-1\n", "non-negative"),
        ("date,count\n2024-01-01,1\n2024-01-01,2\n", "twice"),
        ("date,count\n", "no rows"),
    ],
)
def test_bad_files_say_why(text: str, message: str) -> None:
    with pytest.raises(HistoryError, match=message):
        parse_history_csv(text)


def test_round_trip() -> None:
    h = make_history([(date(2024, 1, 1), 3.0), (date(2024, 1, 2), 4.5)], office="PLG")
    back = parse_history_csv(history_to_csv(h, with_office=True), office="PLG")
    assert back.days == h.days
    assert np.allclose(back.counts, h.counts)
