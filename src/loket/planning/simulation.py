"""A SimPy model of an office day: booked sessions, walk-ins, stages, breakdowns, overtime.

Applicants arrive for their session (early or late, some not at all), walk-ins come at random,
and each goes through the stages in order (intake -> biometrics -> approval), taking the first
free station of a stage. Stations can be down: a scheduled fault (`biometrics:10:00-13:00`) or
random breakdowns (MTBF/MTTR). Nobody is sent home: whoever is inside at closing is served in
overtime, so overtime is the time from closing to the last applicant's finish.

Times are minutes after midnight, office local time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import simpy
from rich.console import Console
from rich.progress import Progress

FloatArray = npt.NDArray[np.float64]
QUEUE_STEP_MIN = 15


@dataclass(frozen=True)
class ServiceTime:
    """A service-time distribution in minutes: lognormal (default), exponential or fixed."""

    mean_min: float
    cv: float = 0.5
    kind: Literal["lognormal", "exponential", "fixed"] = "lognormal"

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        """`n` service times."""
        if self.kind == "exponential":
            return rng.exponential(self.mean_min, n)
        if self.kind == "fixed" or self.cv == 0:
            return np.full(n, self.mean_min)
        sigma2 = math.log(1 + self.cv**2)
        return rng.lognormal(math.log(self.mean_min) - sigma2 / 2, math.sqrt(sigma2), n)

    @classmethod
    def fit(cls, samples_min: Sequence[float]) -> ServiceTime:
        """A lognormal with the mean and coefficient of variation of measured times."""
        values = np.asarray(samples_min, dtype=float)
        values = values[values > 0]
        if len(values) < 2:
            raise ValueError("need at least two positive measured times")
        mean = float(values.mean())
        return cls(mean_min=mean, cv=float(values.std(ddof=1)) / mean)


@dataclass(frozen=True)
class Stage:
    """One step of the journey, served by `stations` identical stations."""

    name: str
    stations: int
    service: ServiceTime


@dataclass(frozen=True)
class Fault:
    """`stations` stations of a stage down from `start_min` to `end_min` (a scheduled fault)."""

    stage: str
    start_min: float
    end_min: float
    stations: int = 1

    @classmethod
    def parse(cls, text: str) -> Fault:
        """Read `biometrics:10:00-13:00` (one station) or `biometrics*2:10:00-13:00`."""
        try:
            head, span = text.split(":", 1)
            start, end = span.split("-")
            stage, _, count = head.partition("*")
            fault = cls(stage.strip(), _minutes(start), _minutes(end), int(count) if count else 1)
        except ValueError as exc:
            raise ValueError(f"a fault reads STAGE[*N]:HH:MM-HH:MM, not {text!r}") from exc
        if fault.end_min <= fault.start_min or fault.stations < 1:
            raise ValueError(f"the fault {text!r} must end after it starts")
        return fault

    def label(self) -> str:
        count = f"*{self.stations}" if self.stations != 1 else ""
        return f"{self.stage}{count}:{clock(self.start_min)}-{clock(self.end_min)}"


@dataclass(frozen=True)
class Breakdown:
    """Random failures of each station of a stage: mean time between failures and to repair."""

    stage: str
    mtbf_min: float
    mttr_min: float

    @classmethod
    def parse(cls, text: str) -> Breakdown:
        """Read `biometrics:240:20`: each biometrics station fails every 240 min on average and
        takes 20 min on average to repair (both exponential)."""
        try:
            stage, mtbf, mttr = text.split(":")
            found = cls(stage.strip(), float(mtbf), float(mttr))
        except ValueError as exc:
            raise ValueError(f"a breakdown reads STAGE:MTBF_MIN:MTTR_MIN, not {text!r}") from exc
        if not (math.isfinite(found.mtbf_min) and math.isfinite(found.mttr_min)):
            raise ValueError(f"the breakdown {text!r} needs finite minutes")
        if found.mtbf_min < 1 or found.mttr_min <= 0:
            raise ValueError(f"the breakdown {text!r} needs MTBF of 1 minute or more and MTTR above 0")
        return found

    @property
    def availability(self) -> float:
        """Long-run share of time a station is up."""
        return self.mtbf_min / (self.mtbf_min + self.mttr_min)

    def label(self) -> str:
        return f"{self.stage}:{self.mtbf_min:g}:{self.mttr_min:g}"


@dataclass(frozen=True)
class OfficeModel:
    """What the simulation needs to know about an office (defaults: the demo office PLG)."""

    code: str = "PLG"
    stages: tuple[Stage, ...] = (
        Stage("intake", 4, ServiceTime(6.0)),
        Stage("biometrics", 3, ServiceTime(9.6)),
        Stage("approval", 1, ServiceTime(2.5)),
    )
    opens_min: float = 8 * 60
    closes_min: float = 16 * 60
    friday_extra_min: float = 30
    sessions: tuple[tuple[float, float], ...] = (
        (480, 540), (540, 600), (600, 660), (660, 720), (780, 840), (840, 900),
    )
    no_show: float = 0.05
    walk_in_share: float = 0.05
    punctuality_mean_min: float = -5.0
    punctuality_sd_min: float = 10.0
    sla_wait_min: float = 60.0
    breakdowns: tuple[Breakdown, ...] = ()

    def closes_on(self, day: date | None) -> float:
        """Closing minute on `day` (Fridays run longer at the demo office)."""
        if day is not None and day.weekday() == 4:
            return self.closes_min + self.friday_extra_min
        return self.closes_min

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise ValueError(f"unknown stage {name!r}; the stages are {', '.join(self.stage_names)}")

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(stage.name for stage in self.stages)

    def with_stations(self, counts: Mapping[str, int]) -> OfficeModel:
        """The same office with other station counts."""
        stages = tuple(replace(s, stations=counts.get(s.name, s.stations)) for s in self.stages)
        return replace(self, stages=stages)

    def expected_present(self, arrivals: int) -> float:
        """Applicants expected inside for `arrivals` bookings (no-shows out, walk-ins in)."""
        return arrivals * (1 - self.no_show) + arrivals * self.walk_in_share


@dataclass(frozen=True)
class DayRun:
    """One simulated day."""

    applicants: int
    waits: dict[str, FloatArray]
    total_wait: FloatArray
    finish: FloatArray
    closes_min: float
    queue_times: FloatArray
    queue_lengths: FloatArray

    @property
    def overtime_min(self) -> float:
        return max(0.0, float(self.finish.max()) - self.closes_min) if len(self.finish) else 0.0

    @property
    def unserved_at_close(self) -> int:
        return int((self.finish > self.closes_min).sum())


def _minutes(text: str) -> float:
    hours, minutes = text.strip().split(":")
    return int(hours) * 60 + int(minutes)


def clock(minute: float) -> str:
    """`HH:MM` of a minute after midnight (past 24:00 when the night runs long)."""
    whole = round(minute)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def arrival_times(
    model: OfficeModel, arrivals: int, rng: np.random.Generator, *, walk_ins: bool = True
) -> FloatArray:
    """Arrival minutes of one day: booked applicants by session, then walk-ins (sorted)."""
    times: list[FloatArray] = []
    sessions = model.sessions
    if arrivals > 0 and sessions:
        per = np.full(len(sessions), arrivals // len(sessions))
        per[: arrivals % len(sessions)] += 1
        for (start, end), count in zip(sessions, per, strict=True):
            shows = rng.random(count) >= model.no_show
            # Appointments are spread evenly over the session; people drift early or late.
            slots = start + (np.arange(count) + 0.5) * (end - start) / max(count, 1)
            drift = rng.normal(model.punctuality_mean_min, model.punctuality_sd_min, count)
            times.append((slots + drift)[shows])
        if walk_ins and model.walk_in_share > 0:
            last = max(end for _, end in sessions)
            n_walk = rng.poisson(arrivals * model.walk_in_share)
            times.append(rng.uniform(model.opens_min, last, n_walk))
    if not times:
        return np.zeros(0)
    # Nobody is let in before opening: the early ones queue at the door.
    return np.sort(np.maximum(np.concatenate(times), model.opens_min))


def run_day(
    model: OfficeModel,
    arrivals_min: FloatArray,
    rng: np.random.Generator,
    *,
    day: date | None = None,
    faults: Sequence[Fault] = (),
) -> DayRun:
    """Simulate one day for applicants arriving at `arrivals_min`."""
    env = simpy.Environment()
    n = len(arrivals_min)
    names = model.stage_names
    down_stages = {f.stage for f in faults} | {b.stage for b in model.breakdowns}
    resources: list[simpy.Resource | simpy.PriorityResource] = [
        # Only a stage that can be taken down needs priorities (the fault jumps the queue).
        simpy.PriorityResource(env, capacity=s.stations) if s.name in down_stages
        else simpy.Resource(env, capacity=s.stations)
        for s in model.stages
    ]
    service = [s.service.draw(rng, n) for s in model.stages]
    enter = np.zeros((len(names), n))
    start = np.zeros((len(names), n))
    finish = np.zeros(n)
    remaining = [n]
    all_done = env.event()
    if n == 0:
        all_done.succeed()

    def applicant(i: int) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(float(arrivals_min[i]))
        for k, resource in enumerate(resources):
            enter[k, i] = env.now
            with resource.request() as request:
                yield request
                start[k, i] = env.now
                yield env.timeout(float(service[k][i]))
        finish[i] = env.now
        remaining[0] -= 1
        if remaining[0] == 0:
            all_done.succeed()

    def outage(resource: Any, begin: float, length: float) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(begin)
        # Priority -1 takes the next free station; the applicant on it is finished first.
        with resource.request(priority=-1) as request:
            yield request
            yield env.timeout(max(0.0, length - (env.now - begin)))

    def breakdowns(
        resource: Any, spec: Breakdown, station_rng: np.random.Generator
    ) -> Generator[simpy.Event, Any, None]:
        while True:
            yield env.timeout(float(station_rng.exponential(spec.mtbf_min)))
            with resource.request(priority=-1) as request:
                yield request
                yield env.timeout(float(station_rng.exponential(spec.mttr_min)))

    for i in range(n):
        env.process(applicant(i))
    for fault in faults:
        resource = resources[names.index(model.stage(fault.stage).name)]
        for _ in range(min(fault.stations, model.stage(fault.stage).stations)):
            env.process(outage(resource, fault.start_min, fault.end_min - fault.start_min))
    for spec in model.breakdowns:
        stage = model.stage(spec.stage)
        resource = resources[names.index(stage.name)]
        for _ in range(stage.stations):
            env.process(breakdowns(resource, spec, rng))
    env.run(until=all_done)
    waits = {name: start[k] - enter[k] for k, name in enumerate(names)}
    total = np.sum(start - enter, axis=0) if n else np.zeros(0)
    closes = model.closes_on(day)
    grid = np.arange(model.opens_min, max(closes, float(finish.max()) if n else closes) + 1, QUEUE_STEP_MIN)
    lengths = np.zeros(len(grid))
    for k in range(len(names)):
        lengths += np.searchsorted(np.sort(enter[k]), grid, "right")
        lengths -= np.searchsorted(np.sort(start[k]), grid, "right")
    return DayRun(n, waits, total, finish, closes, grid, lengths)


@dataclass(frozen=True)
class Interval:
    """A mean with its 95% confidence half-width over replications, and the spread."""

    mean: float
    ci95: float
    p10: float
    p90: float

    @classmethod
    def of(cls, values: Sequence[float] | FloatArray) -> Interval:
        arr = np.asarray(values, dtype=float)
        if len(arr) == 0:
            return cls(math.nan, math.nan, math.nan, math.nan)
        half = 1.96 * float(arr.std(ddof=1)) / math.sqrt(len(arr)) if len(arr) > 1 else math.nan
        return cls(float(arr.mean()), half, float(np.percentile(arr, 10)), float(np.percentile(arr, 90)))

    def as_dict(self, digits: int = 2) -> dict[str, float]:
        return {
            "mean": round(self.mean, digits),
            "ci95_low": round(self.mean - self.ci95, digits),
            "ci95_high": round(self.mean + self.ci95, digits),
            "p10": round(self.p10, digits),
            "p90": round(self.p90, digits),
        }


@dataclass(frozen=True)
class SimulationSummary:
    """Monte Carlo results of one day scenario."""

    replications: int
    arrivals: int
    applicants: Interval
    wait_mean_min: dict[str, Interval]
    wait_p90_min: dict[str, Interval]
    overtime_min: Interval
    unserved_at_close: Interval
    sla_breach_probability: float
    p_overtime: float
    queue_times: FloatArray
    queue_mean: FloatArray
    queue_p90: FloatArray
    overtime_samples: FloatArray = field(repr=False)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready summary."""
        return {
            "replications": self.replications,
            "arrivals": self.arrivals,
            "applicants": self.applicants.as_dict(1),
            "waits_min": {
                name: {"mean": self.wait_mean_min[name].as_dict(), "p90": self.wait_p90_min[name].as_dict()}
                for name in self.wait_mean_min
            },
            "overtime_min": self.overtime_min.as_dict(1),
            "overtime_hours": round(self.overtime_min.mean / 60, 2),
            "unserved_at_close": self.unserved_at_close.as_dict(1),
            "sla_breach_probability": round(self.sla_breach_probability, 4),
            "p_overtime": round(self.p_overtime, 4),
            "queue": [
                {"time": clock(t), "mean": round(float(m), 1), "p90": round(float(p), 1)}
                for t, m, p in zip(self.queue_times, self.queue_mean, self.queue_p90, strict=True)
            ],
        }


@contextmanager
def _progress(enabled: bool, total: int, label: str) -> Iterator[Callable[[], None]]:
    if not enabled:
        yield lambda: None
        return
    # Progress goes to stderr so that `--json` output on stdout stays clean.
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


def simulate_day(
    model: OfficeModel,
    arrivals: int,
    *,
    day: date | None = None,
    faults: Sequence[Fault] = (),
    replications: int = 200,
    seed: int = 0,
    progress: bool = False,
) -> SimulationSummary:
    """Monte Carlo replications of one day with `arrivals` bookings."""
    if replications < 1:
        raise ValueError("at least one replication")
    streams = np.random.SeedSequence(seed).spawn(replications)
    runs: list[DayRun] = []
    with _progress(progress, replications, f"Simulating {model.code}") as tick:
        for stream in streams:
            rng = np.random.default_rng(stream)
            runs.append(run_day(model, arrival_times(model, arrivals, rng), rng, day=day, faults=faults))
            tick()
    return summarise(runs, arrivals, model.sla_wait_min)


def summarise(runs: Sequence[DayRun], arrivals: int, sla_wait_min: float) -> SimulationSummary:
    """Aggregate replications into means, confidence intervals and spreads."""
    names = list(runs[0].waits)
    steps = max(len(r.queue_times) for r in runs)
    grid = runs[0].queue_times[0] + QUEUE_STEP_MIN * np.arange(steps)
    queues = np.zeros((len(runs), steps))
    for i, r in enumerate(runs):
        queues[i, : len(r.queue_lengths)] = r.queue_lengths
    served = np.concatenate([r.total_wait for r in runs]) if runs else np.zeros(0)
    overtime = np.array([r.overtime_min for r in runs])
    return SimulationSummary(
        replications=len(runs),
        arrivals=arrivals,
        applicants=Interval.of([r.applicants for r in runs]),
        wait_mean_min={n: Interval.of([_stat(r.waits[n], 50, mean=True) for r in runs]) for n in names},
        wait_p90_min={n: Interval.of([_stat(r.waits[n], 90) for r in runs]) for n in names},
        overtime_min=Interval.of(overtime),
        unserved_at_close=Interval.of([r.unserved_at_close for r in runs]),
        sla_breach_probability=float((served > sla_wait_min).mean()) if len(served) else 0.0,
        p_overtime=float((overtime > 0).mean()),
        queue_times=grid,
        queue_mean=queues.mean(axis=0),
        queue_p90=np.percentile(queues, 90, axis=0),
        overtime_samples=overtime,
    )


def _stat(values: FloatArray, percentile: float, *, mean: bool = False) -> float:
    if len(values) == 0:
        return 0.0
    return float(values.mean()) if mean else float(np.percentile(values, percentile))


@dataclass(frozen=True)
class PeriodSummary:
    """One simulated run over many days (a week, a season, a year)."""

    days: int
    applicants: int
    overtime_hours: float
    days_with_overtime: int
    mean_wait_min: dict[str, float]
    sla_breach_probability: float
    per_day: list[dict[str, object]]

    def as_dict(self) -> dict[str, object]:
        return {
            "days": self.days,
            "applicants": self.applicants,
            "overtime_hours": round(self.overtime_hours, 2),
            "days_with_overtime": self.days_with_overtime,
            "mean_wait_min": {k: round(v, 2) for k, v in self.mean_wait_min.items()},
            "sla_breach_probability": round(self.sla_breach_probability, 4),
        }


def simulate_period(
    model: OfficeModel,
    demand: Mapping[date, int],
    *,
    faults: Mapping[date, Sequence[Fault]] | None = None,
    seed: int = 0,
    progress: bool = False,
) -> PeriodSummary:
    """Simulate each service day once with its bookings (days are independent: no backlog)."""
    faults = faults or {}
    streams = np.random.SeedSequence(seed).spawn(len(demand))
    per_day: list[dict[str, object]] = []
    waits: dict[str, list[FloatArray]] = {name: [] for name in model.stage_names}
    totals: list[FloatArray] = []
    overtime = 0.0
    with _progress(progress, len(demand), f"Simulating {model.code}") as tick:
        for (day, arrivals), stream in zip(sorted(demand.items()), streams, strict=True):
            rng = np.random.default_rng(stream)
            times = arrival_times(model, arrivals, rng)
            run = run_day(model, times, rng, day=day, faults=faults.get(day, ()))
            for name in waits:
                waits[name].append(run.waits[name])
            totals.append(run.total_wait)
            overtime += run.overtime_min
            per_day.append(
                {"date": day.isoformat(), "applicants": run.applicants,
                 "overtime_min": round(run.overtime_min, 1), "unserved_at_close": run.unserved_at_close}
            )
            tick()
    all_total = np.concatenate(totals) if totals else np.zeros(0)
    return PeriodSummary(
        days=len(demand),
        applicants=int(sum(len(t) for t in totals)),
        overtime_hours=overtime / 60,
        days_with_overtime=sum(1 for d in per_day if float(str(d["overtime_min"])) > 0),
        mean_wait_min={k: float(np.concatenate(v).mean()) if v else 0.0 for k, v in waits.items()},
        sla_breach_probability=float((all_total > model.sla_wait_min).mean()) if len(all_total) else 0.0,
        per_day=per_day,
    )
