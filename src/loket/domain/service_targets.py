"""Per-stage service targets of an office (wait and service time), with defaults. Pure.

An office sets its own targets (`loket report targets`); a stage it has not set uses the default
here. The defaults follow the floor's planning figures: a counter visit of about ten minutes
after at most half an hour in the waiting room; back-office stages are measured in hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loket.domain.errors import invalid

MINUTE = 60
HOUR = 3600
TARGET_STAGES = ("intake", "biometrics", "approval", "printing", "quality_check")


@dataclass(frozen=True)
class StageTarget:
    """Seconds; None means the stage has no target for that measure."""

    stage: str
    wait_s: int | None
    service_s: int | None
    default: bool = True


DEFAULT_TARGETS: dict[str, StageTarget] = {
    "intake": StageTarget("intake", 30 * MINUTE, 10 * MINUTE),
    "biometrics": StageTarget("biometrics", 30 * MINUTE, 15 * MINUTE),
    "approval": StageTarget("approval", 20 * MINUTE, 10 * MINUTE),
    # The print queue waits for a batch: a working day is the target.
    "printing": StageTarget("printing", 24 * HOUR, 15 * MINUTE),
    "quality_check": StageTarget("quality_check", 4 * HOUR, 10 * MINUTE),
}


def targets_with_defaults(stored: Mapping[str, tuple[int | None, int | None]]) -> dict[str, StageTarget]:
    """The office's targets: its stored ones (wait, service), the defaults for the other stages."""
    found = dict(DEFAULT_TARGETS)
    for stage, (wait_s, service_s) in stored.items():
        if stage in found:
            found[stage] = StageTarget(stage, wait_s, service_s, default=False)
    return found


def check_target(stage: str, wait_s: int | None, service_s: int | None) -> StageTarget:
    """A stage of the report and non-negative seconds (at most 30 days)."""
    if stage not in TARGET_STAGES:
        raise invalid(
            "stage", "stage_invalid", "Choose one of: %(choices)s", choices=", ".join(TARGET_STAGES)
        )
    for name, value in (("wait", wait_s), ("service", service_s)):
        if value is not None and not 0 <= value <= 30 * 24 * HOUR:
            raise invalid(name, "target_invalid", "A target is between 0 and 30 days")
    return StageTarget(stage, wait_s, service_s, default=False)
