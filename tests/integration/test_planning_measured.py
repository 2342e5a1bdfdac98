"""Planning uses the office floor's measured service times once a stage has enough of them."""

from __future__ import annotations

from loket.clock import FrozenClock
from loket.services import floor
from loket.services.planning import office_model
from loket.settings import Settings
from loket.store.database import Database

from .floor_helpers import POLICY, at, checked_in, open_station


async def test_measured_intake_times_replace_the_default(demo: Database) -> None:
    clock = FrozenClock(at(7, 50))
    await checked_in(demo, clock, 3)
    await open_station(demo, "INT1", "budi", clock())
    for minutes in (4, 6, 8):
        assert await floor.call_next(demo, "PLG", "INT1", officer="budi", now=clock()) is not None
        clock.advance(minutes=minutes)
        await floor.complete_stage(demo, "PLG", "INT1", "done", officer="budi", policy=POLICY, now=clock())
    model, fitted = await office_model(demo, "PLG", Settings(planning_min_samples=3), now=clock())
    assert fitted.source == "mixed"
    assert fitted.sources == {"intake": "measured", "biometrics": "default", "approval": "default"}
    assert fitted.samples["intake"] == 3
    assert abs(model.stage("intake").service.mean_min - 6.0) < 1e-6
    assert abs(model.stage("intake").service.cv - 2 / 6) < 1e-6
    assert model.stage("biometrics").service.mean_min == 9.6
    # Below the threshold the configured default stays.
    _, strict = await office_model(demo, "PLG", Settings(planning_min_samples=30), now=clock())
    assert strict.source == "defaults" and strict.samples["intake"] == 3
