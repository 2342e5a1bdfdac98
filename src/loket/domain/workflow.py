"""The stages of an application and the service clock. Pure: `now`, the calendar and the
settings are arguments.

checked_in -> intake -> biometrics -> approval -> printing -> quality_check -> ready -> collected,
plus `incomplete` (documents missing; the applicant may come back to finish) and `rejected`.
A ticket at a stage waits for (or is being served at) a station of that stage's kind;
`checked_in` waits for an intake counter, and calling it there begins `intake`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from loket.domain.calendar import WorkingCalendar
from loket.domain.errors import Conflict, invalid


class Stage(StrEnum):
    CHECKED_IN = "checked_in"
    INTAKE = "intake"
    BIOMETRICS = "biometrics"
    APPROVAL = "approval"
    PRINTING = "printing"
    QUALITY_CHECK = "quality_check"
    READY = "ready"
    COLLECTED = "collected"
    INCOMPLETE = "incomplete"
    REJECTED = "rejected"


class Outcome(StrEnum):
    """What an officer records when finishing a stage."""

    DONE = "done"
    INCOMPLETE = "incomplete"
    REJECTED = "rejected"
    REPRINT = "reprint"


# The forward path; each stage's normal successor.
NEXT: dict[Stage, Stage] = {
    Stage.CHECKED_IN: Stage.INTAKE,
    Stage.INTAKE: Stage.BIOMETRICS,
    Stage.BIOMETRICS: Stage.APPROVAL,
    Stage.APPROVAL: Stage.PRINTING,
    Stage.PRINTING: Stage.QUALITY_CHECK,
    Stage.QUALITY_CHECK: Stage.READY,
    Stage.READY: Stage.COLLECTED,
    Stage.INCOMPLETE: Stage.INTAKE,
}
# Every legal transition: the path, plus the side exits an officer may choose.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.CHECKED_IN: frozenset({Stage.INTAKE}),
    Stage.INTAKE: frozenset({Stage.BIOMETRICS, Stage.INCOMPLETE, Stage.REJECTED}),
    Stage.BIOMETRICS: frozenset({Stage.APPROVAL, Stage.INTAKE, Stage.INCOMPLETE, Stage.REJECTED}),
    Stage.APPROVAL: frozenset({Stage.PRINTING, Stage.BIOMETRICS, Stage.REJECTED}),
    Stage.PRINTING: frozenset({Stage.QUALITY_CHECK}),
    Stage.QUALITY_CHECK: frozenset({Stage.READY, Stage.PRINTING}),
    Stage.READY: frozenset({Stage.COLLECTED}),
    Stage.INCOMPLETE: frozenset({Stage.INTAKE, Stage.REJECTED}),
    Stage.COLLECTED: frozenset(),
    Stage.REJECTED: frozenset(),
}
TERMINAL = frozenset({Stage.COLLECTED, Stage.REJECTED})
# Stages that leave the waiting room queue: the applicant goes home (or is done).
OFF_FLOOR = frozenset({Stage.INCOMPLETE, Stage.COLLECTED, Stage.REJECTED})
# Which station kind serves a stage's queue.
STATION_KIND: dict[Stage, str] = {
    Stage.CHECKED_IN: "intake",
    Stage.INTAKE: "intake",
    Stage.BIOMETRICS: "biometrics",
    Stage.APPROVAL: "approval",
    Stage.PRINTING: "printing",
    Stage.QUALITY_CHECK: "printing",
    Stage.READY: "collection",
}
# Stages before the passport is printed: these count for the "at risk" list.
NOT_PRINTED = frozenset(
    {Stage.CHECKED_IN, Stage.INTAKE, Stage.BIOMETRICS, Stage.APPROVAL, Stage.PRINTING, Stage.INCOMPLETE}
)
MISSING_DOCUMENTS = (
    "ktp",
    "kk",
    "birth_certificate",
    "diploma",
    "marriage_book",
    "old_passport",
    # Named by the document checklist (domain/documents.py, issue 20).
    "police_report",
    "parents_documents",
    "travel_agent_letter",
)


def stages_of_kind(kind: str) -> tuple[Stage, ...]:
    """The stage queues a station of `kind` works, in the order it prefers them."""
    return tuple(stage for stage, k in STATION_KIND.items() if k == kind)


@dataclass(frozen=True)
class Transition:
    """One move of an application: who, where, when."""

    from_stage: Stage
    to_stage: Stage
    actor: str
    station: str | None
    at: datetime
    reason: str = ""


def check_transition(current: Stage | str, target: Stage | str) -> Stage:
    """`target` when the machine allows current -> target; Conflict otherwise."""
    src, dst = Stage(current), Stage(target)
    if dst not in TRANSITIONS[src]:
        raise Conflict(
            "illegal_transition",
            "An application cannot go from %(src)s to %(dst)s",
            field="stage",
            src=src.value,
            dst=dst.value,
        )
    return dst


def outcome_target(current: Stage | str, outcome: Outcome | str) -> Stage:
    """The stage an outcome leads to from `current` (validated by the machine)."""
    src = Stage(current)
    try:
        out = Outcome(outcome)
    except ValueError as exc:
        raise invalid(
            "outcome",
            "outcome_invalid",
            "Choose one of: %(choices)s",
            choices=", ".join(o.value for o in Outcome),
        ) from exc
    if out is Outcome.DONE:
        if src not in NEXT or src is Stage.INCOMPLETE:
            raise Conflict("illegal_transition", "This stage has nothing to finish", field="stage")
        return check_transition(src, NEXT[src])
    if out is Outcome.INCOMPLETE:
        return check_transition(src, Stage.INCOMPLETE)
    if out is Outcome.REJECTED:
        return check_transition(src, Stage.REJECTED)
    return check_transition(src, Stage.PRINTING)  # reprint after a failed quality check


def check_missing(documents: list[str] | tuple[str, ...]) -> list[str]:
    """An incomplete dossier names at least one missing document from the checklist."""
    found = sorted({d for d in documents if d})
    unknown = [d for d in found if d not in MISSING_DOCUMENTS]
    if unknown or not found:
        raise invalid(
            "missing_documents",
            "missing_documents_invalid",
            "List the missing documents from: %(choices)s",
            choices=", ".join(MISSING_DOCUMENTS),
        )
    return found


# --- The service clock --------------------------------------------------------------------------


def clock_starts(dossier_complete: bool, paid: bool, biometrics_done: bool) -> bool:
    """The four-working-day clock runs once the dossier is complete, paid and biometrics are done."""
    return dossier_complete and paid and biometrics_done


def due_date(calendar: WorkingCalendar, start: date, working_days: int, *, express: bool) -> date:
    """Express is ready the same day; otherwise the Nth working day after `start`."""
    if express:
        return start
    return calendar.due_date(start, working_days)


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"


def sla_state(
    calendar: WorkingCalendar, stage: Stage | str, due: date | None, today: date
) -> SlaState | None:
    """Breached after the due day unless ready; at risk when due within one working day and not printed."""
    if due is None or Stage(stage) is Stage.REJECTED:
        return None
    st = Stage(stage)
    if st in (Stage.READY, Stage.COLLECTED):
        return SlaState.MET
    if today > due:
        return SlaState.BREACHED
    if st in NOT_PRINTED and calendar.working_days_between(today, due) <= 1:
        return SlaState.AT_RISK
    return SlaState.ON_TRACK
