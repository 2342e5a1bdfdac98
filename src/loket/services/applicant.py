"""What the applicant's pages need beyond booking itself: a preview of a booking, the status
page's pipeline, reschedule options and recently made bookings.

The pipeline can take in what the office floor knows (`register_floor_source`); no source is
registered yet, so today it shows the booking's own stages (booked, paid) only.
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
    age_on,
    office_of_booking_code,
    plan_booking,
)
from loket.domain.journey import FloorStatus, StageRow, booking_stages, documents_for, due_date, pipeline
from loket.domain.office import Office
from loket.services import booking as booking_service
from loket.services.booking import BookingView
from loket.services.catalog import Catalog
from loket.services.quotas import SessionAvailability, availability
from loket.store import booking_repo
from loket.store.database import Database

# Where the office floor may register what it knows about a booking (stages, missing documents,
# queue position); each source gets the database and the booking row and returns a FloorStatus.
# Nothing registers one yet.
FloorSource = Callable[[Database, Any], Awaitable[FloorStatus]]
FLOOR_SOURCES: list[FloorSource] = []
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
        return self.view.status in ACTIVE_STATUSES


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
        for name in ("queue_position", "wait_minutes", "dossier_complete_on"):
            if getattr(status, name) is not None:
                merged[name] = getattr(status, name)
    return FloorStatus(stages=tuple(stages), missing_documents=tuple(missing), **merged)


async def applicant_status(
    db: Database, catalog: Catalog, code: str, nik: str, *, now: datetime, with_options: bool = True
) -> ApplicantStatus:
    """The status page of a booking, proven by its code and the holder's NIK."""
    view = await booking_service.find_booking(db, code, nik, now)
    async with db.read() as conn:
        row = await booking_repo.booking_by_code(conn, view.office_code, view.booking_code)
    assert row is not None
    ctx = await catalog.get(db, view.office_code)
    floor = _merge([await source(db, row) for source in FLOOR_SOURCES])
    stages = pipeline(booking_stages(row.status, row.created_at, row.paid_at), floor)
    active = view.status in ACTIVE_STATUSES
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
        due=due_date(ctx.calendar, view.day, floor) if active or floor.dossier_complete_on else None,
        documents=documents_for(view.service, age_on(row.birth_date, view.day)),
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
                found.append(
                    (
                        booking_service.booking_view(row),
                        documents_for(row.service, age_on(row.birth_date, row.day)),
                    )
                )
    return found
