"""Service-time distributions from measured stage times, with configured defaults as the fallback.

The office floor records when each applicant was called to a station and when the officer
finished. Those durations are noisy in known ways: an officer who forgets to press "finish"
leaves a visit of hours, a double press leaves one of a second. Both are dropped before the fit
(below 3 seconds, or above ten times the stage's median), then a lognormal with the sample's
mean and coefficient of variation is fitted (`ServiceTime.fit`). A stage with fewer than
`min_samples` clean measurements keeps its default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from loket.planning.simulation import OfficeModel, ServiceTime

MIN_SERVICE_MIN = 0.05
OUTLIER_FACTOR = 10.0


@dataclass(frozen=True)
class FittedTimes:
    """Service times per stage and, per stage, whether they were measured or defaulted."""

    times: dict[str, ServiceTime]
    sources: dict[str, str]
    samples: dict[str, int]

    @property
    def source(self) -> str:
        """`measured` (every stage), `defaults` (none) or `mixed`."""
        kinds = set(self.sources.values())
        if kinds == {"measured"}:
            return "measured"
        if kinds <= {"default"}:
            return "defaults"
        return "mixed"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: the overall source and each stage's mean, CV, source and sample size."""
        return {
            "service_times_source": self.source,
            "service_times": {
                stage: {
                    "mean_min": round(time.mean_min, 2),
                    "cv": round(time.cv, 3),
                    "source": self.sources[stage],
                    "samples": self.samples.get(stage, 0),
                }
                for stage, time in self.times.items()
            },
        }


def clean_samples(samples_min: Sequence[float]) -> np.ndarray:
    """Measured minutes without the impossible ones (double presses, forgotten finishes)."""
    values = np.asarray(samples_min, dtype=float)
    values = values[np.isfinite(values) & (values >= MIN_SERVICE_MIN)]
    if len(values) == 0:
        return values
    return values[values <= OUTLIER_FACTOR * float(np.median(values))]


def fit_service_times(
    samples_min: Mapping[str, Sequence[float]],
    defaults: Mapping[str, ServiceTime],
    *,
    min_samples: int = 30,
) -> FittedTimes:
    """Fit each stage of `defaults` from its measured minutes when there are enough of them."""
    times: dict[str, ServiceTime] = {}
    sources: dict[str, str] = {}
    counts: dict[str, int] = {}
    for stage, default in defaults.items():
        clean = clean_samples(samples_min.get(stage, ()))
        counts[stage] = len(clean)
        if len(clean) >= max(2, min_samples):
            times[stage], sources[stage] = ServiceTime.fit(clean.tolist()), "measured"
        else:
            times[stage], sources[stage] = default, "default"
    return FittedTimes(times, sources, counts)


def with_service_times(model: OfficeModel, fitted: FittedTimes) -> OfficeModel:
    """The office model with the fitted service time of each stage it knows."""
    stages = tuple(replace(s, service=fitted.times.get(s.name, s.service)) for s in model.stages)
    return replace(model, stages=stages)
