"""The applicant's journey as the status page shows it: an ordered list of stage rows.

The booking side knows the first stages (booked, paid, checked in); the office floor adds its
stages (intake, biometrics, approval, printing, ready, collected) by contributing rows, so this
module stays ignorant of how the floor records them.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from loket.domain.booking import Status
from loket.domain.calendar import WorkingCalendar
from loket.domain.documents import checklist_for


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
    # The floor's own due date (set once the service clock runs), the ticket and where it is called.
    due_date: date | None = None
    ticket: str | None = None
    stage: str | None = None  # the ticket's stage (domain/workflow.py Stage)
    called_to: str | None = None
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


# The floor's part of the pipeline: (key, label, order, the ticket stages the row stands for).
FLOOR_ROWS: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("intake", N_("Document check (intake)"), 40, ("checked_in", "intake", "incomplete")),
    ("biometrics", N_("Photo and fingerprints"), 50, ("biometrics",)),
    ("approval", N_("Approval"), 60, ("approval",)),
    ("printing", N_("Printing the passport"), 70, ("printing", "quality_check")),
    ("ready", N_("Ready for collection"), 80, ("ready",)),
    ("collected", N_("Collected"), 90, ("collected",)),
)
# The checklist keys of an incomplete dossier (domain/workflow.py MISSING_DOCUMENTS), as the
# applicant reads them.
MISSING_LABELS: dict[str, str] = {
    "ktp": N_("KTP (electronic identity card)"),
    "kk": N_("KK (family card)"),
    "birth_certificate": N_("Birth certificate"),
    "diploma": N_("Diploma"),
    "marriage_book": N_("Marriage book"),
    "old_passport": N_("Your current passport"),
    "police_report": N_("Police report of the loss"),
    "parents_documents": N_("KTP and passport of both parents"),
    "travel_agent_letter": N_("Travel agent's letter (umrah applicants)"),
}


_CURRENT_NOTES = {
    "intake": N_("Waiting for your number to be called"),
    "biometrics": N_("Waiting for your number to be called"),
    "approval": N_("Waiting for your number to be called"),
    "printing": N_("Your passport is being printed; we send a message when it is ready"),
    "ready": N_("Collect it at the office with your KTP and this booking code"),
}


def floor_stages(
    stage: str, waiting: bool, entered: dict[str, datetime], checked_in_at: datetime
) -> tuple[StageRow, ...]:
    """The floor's rows for a ticket at `stage` (`entered`: when it first reached each stage).

    A row is done once the ticket is past it (at: when it left), current while the ticket is in one
    of its stages, a problem while the dossier is incomplete or the application was rejected."""
    rows = [StageRow("checked_in", N_("Checked in"), StageState.DONE, 30, at=checked_in_at)]
    current = next((i for i, (_k, _l, _o, stages) in enumerate(FLOOR_ROWS) if stage in stages), None)
    if stage == "rejected":
        # Rejected at the first row it had not left.
        reached = [i for i, (_k, _l, _o, st) in enumerate(FLOOR_ROWS) if any(s in entered for s in st)]
        current = max(reached) if reached else 0
    for i, (key, label, order, stages) in enumerate(FLOOR_ROWS):
        later = [s for _k, _l, _o, st in FLOOR_ROWS[i + 1 :] for s in st]
        left = min((entered[s] for s in later if s in entered), default=None)
        if current is None or i < current:
            rows.append(StageRow(key, label, StageState.DONE, order, at=left))
        elif i == current and stage == "incomplete":
            rows.append(
                StageRow(
                    key,
                    label,
                    StageState.PROBLEM,
                    order,
                    at=entered.get("incomplete"),
                    note=N_("Documents are missing: bring them to the intake counter"),
                )
            )
        elif i == current and stage == "rejected":
            rows.append(
                StageRow(
                    key,
                    label,
                    StageState.PROBLEM,
                    order,
                    at=entered.get("rejected"),
                    note=N_("The application was rejected"),
                )
            )
        elif i == current:
            at = min((entered[s] for s in stages if s in entered), default=None)
            state = StageState.DONE if key == "collected" else StageState.CURRENT
            rows.append(
                StageRow(
                    key,
                    label,
                    state,
                    order,
                    at=at,
                    note=_CURRENT_NOTES.get(key) if waiting or key == "ready" else None,
                )
            )
        else:
            rows.append(StageRow(key, label, StageState.TODO, order))
    return tuple(rows)


def current_row(rows: list[StageRow]) -> StageRow | None:
    """The row the applicant is at: the current or problem one, else the last done one."""
    for row in rows:
        if row.state in (StageState.CURRENT, StageState.PROBLEM):
            return row
    done = [row for row in rows if row.state is StageState.DONE]
    return done[-1] if done else None


def pipeline(base: list[StageRow], floor: FloorStatus) -> list[StageRow]:
    """The booking's rows and the floor's, in order; a floor row replaces a base row with its key."""
    merged = {row.key: row for row in base}
    for row in floor.stages:
        merged[row.key] = row
    return sorted(merged.values(), key=lambda r: (r.order, r.key))


def due_date(calendar: WorkingCalendar, appointment: date, floor: FloorStatus) -> date:
    """The SLA due date: four working days after the dossier is complete (the appointment day if unknown)."""
    return calendar.due_date(floor.dossier_complete_on or appointment, SLA_WORKING_DAYS)


def documents_for(service: str, age: int | None = None, office_asks: tuple[str, ...] = ()) -> list[str]:
    """What to bring for `service` (msgids): the checklist of domain/documents.py."""
    return [item.label for item in checklist_for(service, age, office_asks)]


def status_token(secret: str, code: str) -> str:
    """`CODE.SIGNATURE`: the address of a booking's live status page (no NIK in it), sent in the
    confirmation messages; it shows progress only (cancel and move still ask for the NIK)."""
    signature = hmac.new(secret.encode(), f"status:{code}".encode(), hashlib.sha256).hexdigest()[:20]
    return f"{code}.{signature}"


def code_of_status_token(secret: str, token: str) -> str | None:
    """The booking code of a valid status token; None otherwise."""
    code = token.rpartition(".")[0]
    if not code or not hmac.compare_digest(status_token(secret, code), token):
        return None
    return code
