"""The stage machine and the service clock, pure."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.domain.calendar import Closure, WorkingCalendar
from loket.domain.errors import Conflict, InvalidInput
from loket.domain.staff import Role, StaffIdentity, check_password, check_username
from loket.domain.workflow import (
    TERMINAL,
    TRANSITIONS,
    SlaState,
    Stage,
    check_missing,
    check_transition,
    due_date,
    outcome_target,
    sla_state,
)

CALENDAR = WorkingCalendar(closures=(Closure(date(2017, 12, 30), date(2018, 1, 1), "Tutup akhir tahun"),))


def test_the_happy_path_and_side_exits() -> None:
    stage = Stage.CHECKED_IN
    path = []
    while stage not in TERMINAL:
        stage = (
            outcome_target(stage, "done")
            if stage is not Stage.CHECKED_IN
            else check_transition(stage, "intake")
        )
        path.append(stage.value)
    assert path == ["intake", "biometrics", "approval", "printing", "quality_check", "ready", "collected"]
    assert outcome_target("intake", "incomplete") is Stage.INCOMPLETE
    assert outcome_target("approval", "rejected") is Stage.REJECTED
    assert outcome_target("quality_check", "reprint") is Stage.PRINTING
    assert check_transition("incomplete", "intake") is Stage.INTAKE


@given(st.sampled_from(list(Stage)), st.sampled_from(list(Stage)))
def test_illegal_transitions_are_refused(src: Stage, dst: Stage) -> None:
    if dst in TRANSITIONS[src]:
        assert check_transition(src, dst) is dst
    else:
        with pytest.raises(Conflict):
            check_transition(src, dst)


def test_terminal_stages_go_nowhere_and_outcomes_are_checked() -> None:
    for stage in TERMINAL:
        with pytest.raises(Conflict):
            outcome_target(stage, "done")
    with pytest.raises(InvalidInput):
        outcome_target("intake", "maybe")
    with pytest.raises(InvalidInput):
        check_missing([])
    assert check_missing(["kk", "ktp", "kk"]) == ["kk", "ktp"]


def test_due_date_is_the_fourth_working_day_and_express_the_same_day() -> None:
    # Complete on Thu 28 Dec 2017: 29 Dec, then the office reopens 2 Jan: 2, 3, 4 January.
    assert due_date(CALENDAR, date(2017, 12, 28), 4, express=False) == date(2018, 1, 4)
    assert due_date(CALENDAR, date(2017, 12, 28), 4, express=True) == date(2017, 12, 28)


def test_at_risk_and_breached() -> None:
    due = date(2018, 1, 4)
    assert sla_state(CALENDAR, "printing", due, date(2018, 1, 3)) is SlaState.AT_RISK
    assert sla_state(CALENDAR, "quality_check", due, date(2018, 1, 3)) is SlaState.ON_TRACK
    assert sla_state(CALENDAR, "printing", due, date(2018, 1, 2)) is SlaState.ON_TRACK
    assert sla_state(CALENDAR, "quality_check", due, date(2018, 1, 5)) is SlaState.BREACHED
    assert sla_state(CALENDAR, "ready", due, date(2018, 1, 9)) is SlaState.MET
    assert sla_state(CALENDAR, "approval", None, date(2018, 1, 9)) is None


def test_roles_are_per_office_and_ranked() -> None:
    staff = StaffIdentity("budi", "Budi", {"PLG": Role.SUPERVISOR})
    assert staff.may("PLG", Role.OFFICER) and staff.may("PLG", Role.SUPERVISOR)
    assert not staff.may("PLG", Role.ADMIN) and not staff.may("DPS", Role.OFFICER)
    assert check_username(" Budi.S ") == "budi.s"
    with pytest.raises(InvalidInput):
        check_username("x")
    with pytest.raises(InvalidInput):
        check_password("pendek", "budi")
    with pytest.raises(InvalidInput):
        check_password("budi-1234567", "budi")
