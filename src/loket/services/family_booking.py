"""Booking a family: every member in one transaction, or nobody.

The members' places, NIK holds and contact counts are taken one after the other inside one write
transaction (`booking_repo.take_place_in`, the portable steps of the single-booking hot path; lock
policy in store/booking_repo.py and docs/locking.md, "Family booking"). When one member cannot be
booked (no place left, the NIK already holds a booking, the contact's limit) the error names that
member and the reason, and the transaction rolls back: the members before it are not booked either.
"""

from __future__ import annotations

from datetime import datetime

from loket.domain.ballot import check_bookable
from loket.domain.booking import (
    BookingPolicy,
    BookingRequest,
    new_billing_code,
    new_booking_code,
    plan_booking,
)
from loket.domain.errors import Conflict
from loket.services import contact_verification
from loket.services.billing.codes import fetch_code
from loket.services.billing.provider import BillingProvider
from loket.services.booking import (
    ATTEMPTS,
    BookingConfirmation,
    confirmation,
    nearest_alternatives,
)
from loket.services.booking_rows import new_booking
from loket.services.catalog import Catalog
from loket.services.expiry import expire_lapsed
from loket.services.quotas import open_days
from loket.store import booking_repo, dialect
from loket.store.booking_repo import Outcome
from loket.store.database import Database


def _member_error(
    index: int, name: str, result: booking_repo.TakeResult, policy: BookingPolicy, *, alone: bool
) -> Conflict:
    """Why member `index` could not be booked, naming them and their field (one person: as a
    single booking says it)."""
    if alone and result.outcome is Outcome.FULL:
        return Conflict("quota_full", "No places left in this session", field="session", extra={"member": 0})
    if alone and result.outcome is Outcome.NIK_HELD:
        return Conflict(
            "active_booking_exists",
            "This NIK already has an active booking",
            field="p0-nik",
            extra={"member": 0},
        )
    if result.outcome is Outcome.FULL:
        return Conflict(
            "family_quota_full",
            "Nobody was booked: no place is left for %(name)s (family member %(n)d); the session has "
            "fewer places than people",
            field="session",
            extra={"member": index},
            name=name,
            n=index + 1,
        )
    if result.outcome is Outcome.NIK_HELD:
        return Conflict(
            "family_nik_held",
            "Nobody was booked: the NIK of %(name)s (family member %(n)d) already has an active booking",
            field=f"p{index}-nik",
            extra={"member": index},
            name=name,
            n=index + 1,
        )
    if (result.failed_contact or "").startswith("addr:"):
        return Conflict(
            "address_limit",
            "Too many people hold bookings made from this network address (at most %(max)d)",
            extra={"member": index},
            max=policy.max_bookings_per_address,
        )
    field = "email" if (result.failed_contact or "").startswith("mailto:") else "phone"
    return Conflict(
        "family_contact_limit",
        "Nobody was booked: this contact may book for %(max)d people, and %(name)s (family member "
        "%(n)d) would be one more",
        field=field,
        extra={"member": index},
        max=policy.max_people_per_contact,
        name=name,
        n=index + 1,
    )


async def book_family(
    db: Database,
    catalog: Catalog,
    office_code: str,
    requests: list[BookingRequest],
    *,
    policy: BookingPolicy,
    now: datetime,
    locale: str = "id",
    billing: BillingProvider | None = None,
    billing_backoff_max_s: float = 300.0,
    secret: str = "",
) -> list[BookingConfirmation]:
    """Book every member of a family into one session in one transaction; none when one cannot be.

    With an external `billing` provider the members commit without their codes, then each code
    is asked for once, as `booking.book_slot` does (a slow or down provider leaves the bookings
    awaiting their codes, which the worker fetches later). With `policy.verify_contact` every
    member is pending and one code goes to the family's contact, in the same transaction
    (services/contact_verification.py)."""
    external = billing is not None and not billing.issues_locally
    ctx = await catalog.get(db, office_code)
    plans = [plan_booking(r, ctx.office, ctx.calendar, ctx.fees, policy, now) for r in requests]
    for plan in plans:
        check_bookable(ctx.releases.get(plan.day), ctx.office, now)
    await open_days(db, ctx, plans[0].day, plans[-1].day)
    await expire_lapsed(db, now, office_code)  # lapsed holds give their places back first
    last_error: Exception | None = None
    pending = policy.verify_contact
    for _attempt in range(ATTEMPTS):
        made: list[BookingConfirmation] = []
        try:
            async with db.write() as conn:
                for index, plan in enumerate(plans):
                    code = new_booking_code(ctx.office.code)
                    billing_code = None if external or pending else new_billing_code()
                    new = new_booking(
                        plan,
                        code,
                        billing_code,
                        now,
                        locale=locale,
                        max_per_contact=policy.max_people_per_contact,
                        max_per_address=policy.max_bookings_per_address,
                        audit_detail={"family": len(plans), "member": index + 1},
                        pending=pending,
                    )
                    result = await booking_repo.take_place_in(conn, new)
                    if not result.booked:
                        # Raising rolls back every member booked before this one.
                        raise _member_error(index, plan.full_name, result, policy, alone=len(plans) == 1)
                    made.append(confirmation(plan, code, billing_code))
                if pending:
                    sent = await contact_verification.start_booking_code(
                        conn,
                        plans,
                        [m.booking_code for m in made],
                        locale=locale,
                        secret=secret,
                        now=now,
                        kk=[p.kk for p in plans],
                    )
                    made = [
                        confirmation(plan, m.booking_code, None, sent)
                        for plan, m in zip(plans, made, strict=True)
                    ]
            if pending:
                return made
            if billing is not None and external:
                made = [
                    confirmation(
                        plan,
                        done.booking_code,
                        await fetch_code(
                            db,
                            billing,
                            plan.office_code,
                            done.booking_code,
                            now,
                            backoff_max_s=billing_backoff_max_s,
                        ),
                    )
                    for plan, done in zip(plans, made, strict=True)
                ]
            return made
        except Conflict as exc:
            if exc.code in ("family_quota_full", "quota_full"):
                exc.extra["alternatives"] = await nearest_alternatives(db, catalog, plans[0], now)
            raise
        except Exception as exc:
            if not dialect.is_retryable(exc):
                raise
            last_error = exc  # a code collision or a deadlock: fresh codes, a new transaction
    assert last_error is not None
    raise last_error
