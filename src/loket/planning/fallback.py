"""The simple model the forecaster falls back to: a weekly profile times a local level.

It has nothing to extrapolate (no trend, no yearly terms), so it cannot explode: the forecast is
the recent level, shaped by the weekday pattern of the last weeks. Used when the calendar model
fails or goes beyond its guard, and said so in the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt

from loket.planning.ridge import moment_alpha

FloatArray = npt.NDArray[np.float64]

# Weeks of history the weekday profile is taken from, and the pseudo-count pulling each weekday
# towards the overall mean (a weekday seen twice says little).
PROFILE_WEEKS = 8
PROFILE_PRIOR = 2.0


def weekly_profile(days: Sequence[date], y: FloatArray, season: int) -> FloatArray:
    """Seven multipliers (Monday first) of the recent weeks, shrunk towards 1."""
    recent = max(0, len(y) - PROFILE_WEEKS * season)
    values, weekdays = y[recent:], np.array([d.weekday() for d in days[recent:]], dtype=int)
    overall = float(np.mean(values)) if len(values) else 0.0
    if overall <= 0:
        return np.ones(7)
    profile = np.ones(7)
    for weekday in range(7):
        seen = values[weekdays == weekday]
        pulled = (float(seen.sum()) + PROFILE_PRIOR * overall) / (len(seen) + PROFILE_PRIOR)
        profile[weekday] = pulled / overall
    return np.maximum(profile, 1e-3)


def local_level(deseasonalised: FloatArray, halflife: float) -> tuple[float, FloatArray]:
    """Exponentially weighted level at the end, and the one-step-ahead levels along the way."""
    decay = 0.5 ** (1.0 / halflife)
    level = float(np.mean(deseasonalised[: max(1, min(len(deseasonalised), 5))]))
    ahead = np.empty(len(deseasonalised))
    for i, value in enumerate(deseasonalised):
        ahead[i] = level
        level = decay * level + (1 - decay) * float(value)
    return level, ahead


def weekly_level(
    days: Sequence[date],
    y: FloatArray,
    future: Sequence[date],
    *,
    season: int,
    halflife: float,
) -> tuple[FloatArray, float, FloatArray]:
    """Mean per future day, the NB2 dispersion and the extra log-variance growing with the horizon."""
    profile = weekly_profile(days, y, season)
    weekdays = np.array([d.weekday() for d in days], dtype=int)
    if len(y) == 0:
        return np.zeros(len(future)), 1e-4, np.zeros(len(future))
    level, ahead = local_level(y / profile[weekdays], halflife)
    fitted = np.maximum(ahead * profile[weekdays], 1e-6)
    alpha = moment_alpha(y, fitted)
    mean = np.array([level * profile[d.weekday()] for d in future], dtype=float)
    # The level wanders like a random walk: its uncertainty grows with the weeks ahead.
    steps = np.arange(1, len(future) + 1, dtype=float)
    extra = alpha * steps / (season * halflife)
    return np.maximum(mean, 0.0), alpha, extra
