"""What the applicant's pages need beyond booking itself: a preview of a booking, the status
page's pipeline, reschedule options and recently made bookings.

The pipeline takes in what the office floor knows through its floor sources (`FLOOR_SOURCES`):
`services/applicant_floor.floor_status` is registered here, so the page follows the ticket through
every floor stage to collection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from loket.domain.booking import (
    ACTIVE_STATUSES,
    BookingPlan,
    BookingPolicy,
    BookingRequest,
    Status,
    age_on,
    office_of_booking_code,
    plan_booking,
)
from loket.domain.errors import NotFound
from loket.domain.journey import (
    FloorStatus,
    StageRow,
    booking_stages,
    current_row,
    documents_for,
    due_date,
    pipeline,
)
from loket.domain.office import Office
from loket.services import booking as booking_service
from loket.services.applicant_floor import floor_status
from loket.services.booking import BookingView
from loket.services.catalog import Catalog
from loket.services.quotas import SessionAvailability, availability
from loket.store import booking_repo, documents_repo
from loket.store.database import Database

# What the office floor knows about a booking (stages, missing documents, queue position); each
# source gets the database, the booking row and the moment, and returns a FloorStatus.
FloorSource = Callable[[Database, Any, datetime], Awaitable[FloorStatus]]
FLOOR_SOURCES: list[FloorSource] = [floor_status]
RESCHEDULE_DAYS = 14


def register_floor_source(source: FloorSource) -> FloorSource:
    """Add a source of floor data to the status page (usable as a decorator)."""
    if source not in FLOOR_SOURCES:
        FLOOR_SOURCES.append(source)
    return source


@dataclass(frozen=True)
class ApplicantStatus:
    view: BookingView
    office: Office
    stages: list[StageRow]
    floor: FloorStatus
    due: date | None
    documents: list[str]
    reschedule_options: list[SessionAvailability] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Still to come: the booking may be cancelled or moved (not once it is on the floor)."""
        return self.view.status in ACTIVE_STATUSES and not self.on_floor

    @property
    def on_floor(self) -> bool:
        """Checked in: the booking can no longer be cancelled or moved; the floor has it."""
        return self.floor.ticket is not None

    @property
    def now_at(self) -> StageRow | None:
        """The step the applicant is at (the headline of the page)."""
        return current_row(self.stages)

    @property
    def finished(self) -> bool:
        """Nothing more will change: collected, rejected, cancelled or lapsed (no more refreshing)."""
        if self.floor.stage is not None:
            return self.floor.stage in ("collected", "rejected")
        return self.view.status in (Status.CANCELLED, Status.EXPIRED, Status.NO_SHOW)


async def preview(
    db: Database,
    catalog: Catalog,
    office_code: str,
    request: BookingRequest,
    *,
    policy: BookingPolicy,
    now: datetime,
) -> BookingPlan:
    """Check a booking request without taking a place: every rule that needs no lock."""
    ctx = await catalog.get(db, office_code)
    return plan_booking(request, ctx.office, ctx.calendar, ctx.fees, policy, now)


def _merge(found: list[FloorStatus]) -> FloorStatus:
    if not found:
        return FloorStatus()
    stages: list[StageRow] = []
    missing: list[str] = []
    merged: dict[str, Any] = {}
    for status in found:
        stages += status.stages
        missing += status.missing_documents
        for name in (
            "queue_position",
            "wait_minutes",
            "dossier_complete_on",
            "due_date",
            "ticket",
            "called_to",
            "stage",
        ):
            if getattr(status, name) is not None:
                merged[name] = getattr(status, name)
    return FloorStatus(stages=tuple(stages), missing_documents=tuple(missing), **merged)


async def applicant_status(
    db: Database, catalog: Catalog, code: str, nik: str, *, now: datetime, with_options: bool = True
) -> ApplicantStatus:
    """The status page of a booking, proven by its code and the holder's NIK."""
    view = await booking_service.find_booking(db, code, nik, now)
    return await _status_of(db, catalog, view, now=now, with_options=with_options)


async def status_by_code(db: Database, catalog: Catalog, code: str, *, now: datetime) -> ApplicantStatus:
    """The status page of a booking reached through its signed link (the web checks the signature)."""
    office = office_of_booking_code(code)
    async with db.read() as conn:
        row = await booking_repo.booking_by_code(conn, office, code) if office else None
    if row is None:
        raise NotFound("booking_not_found", "No booking matches this code and NIK", field="booking_code")
    return await _status_of(db, catalog, booking_service.booking_view(row), now=now, with_options=False)


async def _status_of(
    db: Database, catalog: Catalog, view: BookingView, *, now: datetime, with_options: bool
) -> ApplicantStatus:
    async with db.read() as conn:
        row = await booking_repo.booking_by_code(conn, view.office_code, view.booking_code)
        asks = await documents_repo.office_items(conn, view.office_code)
    assert row is not None
    ctx = await catalog.get(db, view.office_code)
    floor = _merge([await source(db, row, now) for source in FLOOR_SOURCES])
    stages = pipeline(booking_stages(row.status, row.created_at, row.paid_at), floor)
    active = view.status in ACTIVE_STATUSES and floor.ticket is None
    options: list[SessionAvailability] = []
    today = ctx.office.local_today(now)
    if with_options and active and view.reschedules_left and view.day > today:
        _ctx, found = await availability(
            db, catalog, view.office_code, today, today + timedelta(days=RESCHEDULE_DAYS), view.category, now
        )
        options = [a for a in found if a.left > 0 and (a.day, a.session) != (view.day, view.session)]
    return ApplicantStatus(
        view=view,
        office=ctx.office,
        stages=stages,
        floor=floor,
        due=floor.due_date
        or (due_date(ctx.calendar, view.day, floor) if active or floor.dossier_complete_on else None),
        documents=documents_for(view.service, age_on(row.birth_date, view.day), asks),
        reschedule_options=options,
    )


async def recent_bookings(db: Database, codes: list[str]) -> list[tuple[BookingView, list[str]]]:
    """Bookings this browser has just made (their codes come from a signed cookie), with documents."""
    found = []
    async with db.read() as conn:
        for code in codes:
            office = office_of_booking_code(code)
            row = await booking_repo.booking_by_code(conn, office, code) if office else None
            if row is not None:
                asks = await documents_repo.office_items(conn, row.office_code)
                found.append(
                    (
                        booking_service.booking_view(row),
                        documents_for(row.service, age_on(row.birth_date, row.day), asks),
                    )
                )
    return found
