"""The officer console offers each station the outcomes of its own stage, and only those the
stage machine allows: the photo station has no "incomplete" (nor the missing-documents list that
goes with it), only the quality check may send a passport back to printing."""

from __future__ import annotations

from loket.domain.workflow import Outcome, Stage
from loket.web.pages.floor import STAGE_CHECKLISTS, _allows


def offered(stage: Stage) -> list[str]:
    return [o.value for o in Outcome if _allows(stage.value, o)]


def test_each_stage_offers_its_own_outcomes() -> None:
    assert offered(Stage.INTAKE) == ["done", "incomplete", "rejected"]
    assert offered(Stage.BIOMETRICS) == ["done", "rejected"]
    assert offered(Stage.APPROVAL) == ["done", "rejected"]
    assert offered(Stage.PRINTING) == ["done"]
    assert offered(Stage.QUALITY_CHECK) == ["done", "reprint"]
    # At the collection counter the one outcome is "done": the passport is collected.
    assert offered(Stage.READY) == ["done"]


def test_the_checklists_belong_to_their_stage() -> None:
    assert "Ten fingerprints captured" in STAGE_CHECKLISTS[Stage.BIOMETRICS.value]
    assert not any("finger" in item for item in STAGE_CHECKLISTS[Stage.INTAKE.value])
