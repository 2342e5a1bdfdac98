"""The applicant's journey as the status page shows it: an ordered list of stage rows.

The booking side knows the first stages (booked, paid, checked in); the office floor adds its
stages (intake, biometrics, approval, printing, ready, collected) by contributing rows, so this
module stays ignorant of how the floor records them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from loket.domain.booking import Status
from loket.domain.calendar import WorkingCalendar


def N_(message: str) -> str:
    """Mark a msgid for extraction (translated where it is shown)."""
    return message


SLA_WORKING_DAYS = 4  # a complete dossier gives a printed passport in four working days


class StageState(StrEnum):
    DONE = "done"
    CURRENT = "current"
    TODO = "todo"
    PROBLEM = "problem"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StageRow:
    """One row of the pipeline: `label` is an English msgid, `order` places it among the others."""

    key: str
    label: str
    state: StageState
    order: int
    at: datetime | None = None
    note: str | None = None  # a msgid or free text shown under the row


@dataclass(frozen=True)
class FloorStatus:
    """What the office floor knows about an applicant; empty until the floor contributes it."""

    stages: tuple[StageRow, ...] = ()
    missing_documents: tuple[str, ...] = ()
    queue_position: int | None = None
    wait_minutes: int | None = None
    dossier_complete_on: date | None = None
    extra: dict[str, object] = field(default_factory=dict)


def booking_stages(status: str, created_at: datetime, paid_at: datetime | None) -> list[StageRow]:
    """The stages the booking itself records."""
    paid = status in (Status.PAID, Status.CHECKED_IN) or paid_at is not None
    rows = [StageRow("booked", N_("Booked"), StageState.DONE, 10, at=created_at)]
    if status == Status.CANCELLED:
        rows.append(StageRow("cancelled", N_("Cancelled"), StageState.PROBLEM, 20))
        return rows
    if status == Status.EXPIRED:
        rows.append(
            StageRow(
                "paid", N_("Paid"), StageState.PROBLEM, 20, note=N_("Not paid in time: the place lapsed")
            )
        )
        return rows
    rows.append(StageRow("paid", N_("Paid"), StageState.DONE if paid else StageState.CURRENT, 20, at=paid_at))
    checked_in = status == Status.CHECKED_IN
    if status == Status.NO_SHOW:
        rows.append(StageRow("checked_in", N_("Checked in"), StageState.PROBLEM, 30, note=N_("Did not come")))
    else:
        state = StageState.DONE if checked_in else (StageState.CURRENT if paid else StageState.TODO)
        rows.append(StageRow("checked_in", N_("Checked in"), state, 30))
    return rows


def pipeline(base: list[StageRow], floor: FloorStatus) -> list[StageRow]:
    """The booking's rows and the floor's, in order; a floor row replaces a base row with its key."""
    merged = {row.key: row for row in base}
    for row in floor.stages:
        merged[row.key] = row
    return sorted(merged.values(), key=lambda r: (r.order, r.key))


def due_date(calendar: WorkingCalendar, appointment: date, floor: FloorStatus) -> date:
    """The SLA due date: four working days after the dossier is complete (the appointment day if unknown)."""
    return calendar.due_date(floor.dossier_complete_on or appointment, SLA_WORKING_DAYS)


# Documents to bring, per service (msgids). The originals are checked at the intake counter.
DOCUMENTS: dict[str, tuple[str, ...]] = {
    "new": (
        N_("KTP (electronic identity card)"),
        N_("KK (family card)"),
        N_("Birth certificate, diploma, marriage book or baptism letter"),
    ),
    "renewal": (N_("KTP (electronic identity card)"), N_("Your current passport")),
    "replacement_lost": (
        N_("KTP (electronic identity card)"),
        N_("KK (family card)"),
        N_("Police report of the loss"),
        N_("Birth certificate, diploma, marriage book or baptism letter"),
    ),
    "replacement_damaged": (
        N_("KTP (electronic identity card)"),
        N_("KK (family card)"),
        N_("The damaged passport"),
    ),
}
CHILD_DOCUMENTS = (N_("KTP and passport of both parents"), N_("Birth certificate of the child"))


def documents_for(service: str, age: int | None = None) -> list[str]:
    """What to bring for `service`; a minor also brings the parents' documents."""
    found = list(DOCUMENTS.get(service, DOCUMENTS["new"]))
    if age is not None and age < 17:
        found += [doc for doc in CHILD_DOCUMENTS if doc not in found]
    return found
