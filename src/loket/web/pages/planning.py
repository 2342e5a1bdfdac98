"""The supervisor's planning page: forecast against actual, demand against capacity, the overtime
plan and a what-if simulation; charts are server-side SVG/PNG images.

Forecasts and simulations take seconds of CPU: they run in a worker thread (never on the event
loop), at most two at a time per process, with the replications capped by a setting; results
are kept for a few minutes so the page and its chart images compute them once.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from loket.domain.errors import DomainError, invalid
from loket.i18n import N_, translate
from loket.services import planning as planning_service
from loket.services.catalog import Catalog
from loket.settings import Settings
from loket.web.auth import Staff, Supervisor
from loket.web.dates import Day
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep
from loket.web.pages.home import render

router = APIRouter(include_in_schema=False)
T = TypeVar("T")

MAX_PLAN_DAYS = 92
CACHE_TTL_S = 300.0
CACHE_SIZE = 32
STAGES = planning_service.PLANNED_STAGES


@dataclass(frozen=True)
class Scenario:
    """The page's inputs: the plan period and the what-if day."""

    first: date
    last: date
    day: date
    arrivals: int | None
    fault: str | None
    replications: int
    # Random failures of each station of a stage: `STAGE:MTBF_MIN:MTTR_MIN`.
    breakdown: str | None = None

    def query(self) -> str:
        """The same scenario as query parameters (chart links)."""
        parts = [
            f"from={self.first}",
            f"to={self.last}",
            f"date={self.day}",
            f"replications={self.replications}",
        ]
        if self.arrivals is not None:
            parts.append(f"arrivals={self.arrivals}")
        if self.fault:
            stage, _, span = self.fault.partition(":")
            start, _, end = span.partition("-")
            name, _, count = stage.partition("*")
            parts += [
                f"fault_stage={name}",
                f"fault_from={start}",
                f"fault_to={end}",
                f"fault_stations={count or 1}",
            ]
        if self.breakdown:
            stage, mtbf, mttr = self.breakdown.split(":")
            parts += [f"breakdown_stage={stage}", f"breakdown_mtbf={mtbf}", f"breakdown_mttr={mttr}"]
        return "&".join(parts)


TimeQ = Annotated[str | None, Query(pattern=r"^\d{1,2}:\d{2}$")]


async def _scenario(
    db: Any,
    catalog: Catalog,
    staff: Staff,
    now: Any,
    settings: Settings,
    first: date | None,
    last: date | None,
    day: date | None,
    arrivals: int | None,
    fault_stage: str | None,
    fault_from: str | None,
    fault_to: str | None,
    fault_stations: int,
    replications: int | None,
    breakdown_stage: str | None = None,
    breakdown_mtbf: float | None = None,
    breakdown_mttr: float | None = None,
) -> Scenario:
    office = (await catalog.get(db, staff.office_code or "")).office
    today = office.local_today(now)
    first = first or today
    last = last or first + timedelta(days=27)
    if last < first:
        raise invalid("to", "range_order", "The end date lies before the start date")
    if (last - first).days >= MAX_PLAN_DAYS:
        raise invalid("to", "range_too_long", "Ask for at most %(max)d days", max=MAX_PLAN_DAYS)
    fault = None
    if fault_stage:
        if fault_stage not in STAGES or not fault_from or not fault_to:
            raise invalid("fault_stage", "planning_fault", "Give the stage and the hours the device is down")
        count = f"*{fault_stations}" if fault_stations > 1 else ""
        fault = f"{fault_stage}{count}:{fault_from}-{fault_to}"
    breakdown = None
    if breakdown_stage:
        if breakdown_stage not in STAGES or not breakdown_mtbf or not breakdown_mttr:
            raise invalid(
                "breakdown_stage",
                "planning_breakdown",
                "Give the stage, the mean time between failures and the mean time to repair",
            )
        breakdown = f"{breakdown_stage}:{breakdown_mtbf:g}:{breakdown_mttr:g}"
    cap = settings.planning_web_replications
    return Scenario(
        first, last, day or first, arrivals, fault, min(replications or cap, cap), breakdown
    )


class _Cache:
    """Recent results of this process, keyed by office, scenario and the inputs' fingerprint."""

    def __init__(self) -> None:
        self.items: OrderedDict[object, tuple[float, object]] = OrderedDict()
        self.limiter = anyio.CapacityLimiter(2)

    async def get(self, key: object, work: Callable[[], T]) -> T:
        found = self.items.get(key)
        if found is not None and time.monotonic() - found[0] < CACHE_TTL_S:
            return found[1]  # type: ignore[return-value]
        value = await anyio.to_thread.run_sync(work, limiter=self.limiter)
        self.items[key] = (time.monotonic(), value)
        while len(self.items) > CACHE_SIZE:
            self.items.popitem(last=False)
        return value


def _cache(request: Request) -> _Cache:
    found: _Cache | None = getattr(request.app.state, "planning_cache", None)
    if found is None:
        found = request.app.state.planning_cache = _Cache()
    return found


def _fingerprint(inputs: planning_service.Inputs) -> object:
    history = inputs.loaded.history
    return (
        len(history),
        history.days[-1] if len(history) else None,
        float(history.counts.sum()),
        inputs.model,
        inputs.loaded.calendar.closures,
    )


async def _compute(
    request: Request, db: Any, staff: Staff, now: Any, settings: Settings, s: Scenario, *, with_sim: bool
) -> tuple[planning_service.Inputs, Any, Any]:
    """The overview (forecast, plan) and, when asked, the what-if simulation."""
    from loket.planning.overview import overview, what_if
    from loket.planning.simulation import Breakdown, Fault

    code = staff.office_code or ""
    inputs = await planning_service.planning_inputs(db, code, settings, now=now)
    cache, key = _cache(request), (code, _fingerprint(inputs))
    try:
        view = await cache.get(
            (key, s.first, s.last), partial(overview, inputs.loaded, inputs.model, s.first, s.last)
        )
    except ValueError as exc:
        raise invalid("from", "planning_failed", "No plan for this period: %(why)s", why=str(exc)) from exc
    sim = None
    if with_sim:
        arrivals = s.arrivals
        if arrivals is None:
            known = {p.day: p for p in view.plan.days}
            arrivals = round(known[s.day].demand) if s.day in known else 200
        faults = [Fault.parse(s.fault)] if s.fault else []
        breakdowns = [Breakdown.parse(s.breakdown)] if s.breakdown else []
        try:
            sim = await cache.get(
                (key, s.day, arrivals, s.fault, s.breakdown, s.replications),
                partial(
                    what_if, inputs.model, s.day, arrivals, faults,
                    replications=s.replications, breakdowns=breakdowns,
                ),
            )
        except ValueError as exc:
            raise invalid(
                "fault_stage", "planning_fault", "Give the stage and the hours the device is down"
            ) from exc
    return inputs, view, sim


async def scenario_params(
    first: Annotated[Day | None, Query(alias="from")] = None,
    to: Annotated[Day | None, Query()] = None,
    day: Annotated[Day | None, Query(alias="date")] = None,
    arrivals: Annotated[int | None, Query(ge=0, le=5000)] = None,
    fault_stage: Annotated[str | None, Query(max_length=16)] = None,
    fault_from: TimeQ = None,
    fault_to: TimeQ = None,
    fault_stations: Annotated[int, Query(ge=1, le=50)] = 1,
    replications: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    breakdown_stage: Annotated[str | None, Query(max_length=16)] = None,
    breakdown_mtbf: Annotated[float | None, Query(ge=1, le=100_000)] = None,
    breakdown_mttr: Annotated[float | None, Query(gt=0, le=100_000)] = None,
) -> dict[str, Any]:
    """The scenario's query parameters (shared by the page, the what-if fragment and the charts)."""
    return {
        "first": first,
        "last": to,
        "day": day,
        "arrivals": arrivals,
        "fault_stage": fault_stage or None,
        "fault_from": fault_from,
        "fault_to": fault_to,
        "fault_stations": fault_stations,
        "replications": replications,
        "breakdown_stage": breakdown_stage or None,
        "breakdown_mtbf": breakdown_mtbf,
        "breakdown_mttr": breakdown_mttr,
    }


Params = Annotated[dict[str, Any], Depends(scenario_params)]


async def _page_data(
    request: Request,
    db: Any,
    catalog: Catalog,
    staff: Staff,
    now: Any,
    settings: Settings,
    params: dict[str, Any],
    *,
    with_sim: bool,
) -> dict[str, Any]:
    s = await _scenario(db, catalog, staff, now, settings, **params)
    inputs, view, sim = await _compute(request, db, staff, now, settings, s, with_sim=with_sim)
    return {
        "s": s,
        "inputs": inputs,
        "view": view,
        "sim": sim,
        "query": s.query(),
        "code": staff.office_code,
        "source_label": source_label,
    }


# The history services' English source labels, marked here so that the page can show them in
# the reader's language (the services keep English for the CLI and the audit trail).
SOURCE_WORDS = (
    N_("synthetic (seeded generator, not real data)"),
    N_("collected from bookings"),
    N_("imported"),
)


def source_label(locale: str, source: str) -> str:
    """`database PLG: synthetic (...): 1565 days 2012-01-02..2017-12-29` in the page's language."""
    shown = source
    for words in SOURCE_WORDS:
        shown = shown.replace(words, translate(locale, words))
    shown = re.sub(r"(\d+) days ", lambda m: translate(locale, "%(n)s days", n=m.group(1)) + " ", shown)
    return shown.replace("database ", translate(locale, "database") + " ", 1)


@router.get("/offices/{code}/planning", response_class=HTMLResponse)
async def planning_page(
    request: Request,
    staff: Supervisor,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    params: Params,
) -> HTMLResponse:
    office = (await catalog.get(db, staff.office_code or "")).office
    context: dict[str, Any] = {"staff": staff, "office": office, "params": params, "stages": STAGES}
    try:
        data = await _page_data(
            request, db, catalog, staff, now, settings, params, with_sim=params["arrivals"] is not None
        )
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        page = render(
            request,
            "planning/page.html",
            locale,
            error=translate(locale, exc.message, **exc.params),
            **context,
        )
        page.status_code = 422
        return page
    return render(request, "planning/page.html", locale, error=None, **context, **data)


@router.get("/offices/{code}/planning/what-if", response_class=HTMLResponse)
async def what_if_fragment(
    request: Request,
    staff: Supervisor,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    params: Params,
) -> HTMLResponse:
    try:
        data = await _page_data(request, db, catalog, staff, now, settings, params, with_sim=True)
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        error = translate(locale, exc.message, **exc.params)
        return render(request, "planning/_what_if.html", locale, error=error)
    return render(request, "planning/_what_if.html", locale, error=None, **data)


@router.get("/offices/{code}/planning/chart")
async def chart(
    request: Request,
    staff: Supervisor,
    db: DbDep,
    catalog: CatalogDep,
    now: NowDep,
    locale: LocaleDep,
    settings: SettingsDep,
    params: Params,
    kind: Literal["forecast", "plan", "queue"] = "forecast",
    fmt: Literal["svg", "png"] = "svg",
    download: bool = False,
) -> Response:
    """A chart of the page as SVG or PNG (`download=true` to save it as a file)."""
    from loket.planning import plots

    data = await _page_data(request, db, catalog, staff, now, settings, params, with_sim=kind == "queue")
    view = data["view"]
    work: Callable[[], bytes]
    text = partial(translate, locale)  # labels and legends in the page's language
    if kind == "forecast":
        work = partial(
            plots.forecast_chart, view.loaded.history, view.forecast, fmt=fmt,
            days=settings.planning_chart_days, text=text,
        )
    elif kind == "plan":
        work = partial(plots.plan_chart, view.plan, fmt=fmt, text=text)
    else:
        work = partial(plots.queue_chart, data["sim"].summary, fmt=fmt, text=text)
    key = ("chart", kind, fmt, locale, staff.office_code, data["query"], _fingerprint(data["inputs"]))
    body = await _cache(request).get(key, work)
    headers = {"Cache-Control": "private, max-age=300"}
    if download:
        name = f"{staff.office_code}-{kind}-{data['s'].first}.{fmt}"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(body, media_type="image/svg+xml" if fmt == "svg" else "image/png", headers=headers)
