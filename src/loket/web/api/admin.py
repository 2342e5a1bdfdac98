"""The national administrator's API: offices as files, banks, tariffs, the national calendar,
staff invitations. Every route needs a signed-in national administrator (and the CSRF token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from loket.i18n import translate
from loket.services import banks as bank_service
from loket.services import fees as fee_service
from loket.services import invitations, office_files
from loket.services import national_calendar as calendar_service
from loket.web.api.admin_schemas import (
    BankCreate,
    BankPublic,
    BankSecretPublic,
    HolidayCreate,
    HolidayPublic,
    ImportPublic,
    InvitationCreate,
    InvitationPublic,
    OfficeDocument,
    TariffCreate,
    TariffPublic,
)
from loket.web.api.openapi import responses
from loket.web.auth import NationalAdmin
from loket.web.dates import Day
from loket.web.deps import CatalogDep, DbDep, LocaleDep, NowDep, SettingsDep

router = APIRouter(prefix="/api/v1/admin", tags=["national administration"])
ERRORS = responses(401, 403, 404, 409, 422, described={403: "Not a national administrator"})


@router.post(
    "/offices/import",
    response_model=ImportPublic,
    responses=ERRORS,
    summary="Create or update offices from an office file (YAML or JSON body, docs/offices.md)",
)
async def import_offices(
    request: Request, staff: NationalAdmin, db: DbDep, now: NowDep, catalog: CatalogDep, locale: LocaleDep
) -> ImportPublic | JSONResponse:
    body = await request.body()
    try:
        text = body.decode("utf-8")
        outcome = await office_files.import_offices(db, text, actor=staff.username, now=now, catalog=catalog)
    except UnicodeDecodeError:
        text = ""
        return JSONResponse(
            {
                "error": "file_unreadable",
                "field": "file",
                "message": translate(locale, "The file is not UTF-8 text"),
            },
            status_code=422,
        )
    except office_files.OfficeFileInvalid as exc:
        # Every mistake, each with its path and in the caller's language.
        return JSONResponse(
            {
                "error": exc.code,
                "field": exc.field,
                "message": translate(locale, exc.message, **exc.params),
                "errors": [
                    {"path": p.path, "code": p.code, "message": translate(locale, p.message, **p.params)}
                    for p in exc.problems
                ],
            },
            status_code=422,
        )
    return ImportPublic(created=outcome.created, updated=outcome.updated, unchanged=outcome.unchanged)


@router.get("/offices/{code}/export", responses=ERRORS, summary="The office file of one office")
async def export_office(code: str, staff: NationalAdmin, db: DbDep) -> OfficeDocument:
    return await office_files.export_office(db, code.upper())


@router.get("/banks", response_model=list[BankPublic], responses=ERRORS, summary="The designated banks")
async def list_banks(staff: NationalAdmin, db: DbDep) -> list[BankPublic]:
    return [BankPublic(**b) for b in await bank_service.list_banks(db)]


@router.post(
    "/banks", response_model=BankSecretPublic, status_code=201, responses=ERRORS, summary="Register a bank"
)
async def add_bank(body: BankCreate, staff: NationalAdmin, db: DbDep, now: NowDep) -> BankSecretPublic:
    secret = await bank_service.register_bank(db, body.code, body.name, actor=staff.username, now=now)
    return BankSecretPublic(code=body.code.strip().upper(), secret=secret)


@router.post("/banks/{code}/disable", status_code=204, responses=ERRORS, summary="Refuse a bank's callbacks")
async def disable_bank(code: str, staff: NationalAdmin, db: DbDep, now: NowDep) -> None:
    await bank_service.set_bank_active(db, code, False, actor=staff.username, now=now)


@router.post(
    "/banks/{code}/enable", status_code=204, responses=ERRORS, summary="Accept a bank's callbacks again"
)
async def enable_bank(code: str, staff: NationalAdmin, db: DbDep, now: NowDep) -> None:
    await bank_service.set_bank_active(db, code, True, actor=staff.username, now=now)


@router.get("/fees", response_model=list[TariffPublic], responses=ERRORS, summary="The fee tariffs")
async def list_fees(
    staff: NationalAdmin, db: DbDep, now: NowDep, on: Annotated[Day | None, Query()] = None
) -> list[TariffPublic]:
    return [TariffPublic(**vars(t)) for t in await fee_service.list_tariffs(db, on=on, now=now)]


@router.post(
    "/fees",
    response_model=TariffPublic,
    status_code=201,
    responses=ERRORS,
    summary="Add a tariff (never edit)",
)
async def add_fee(
    body: TariffCreate, staff: NationalAdmin, db: DbDep, now: NowDep, catalog: CatalogDep
) -> TariffPublic:
    t = await fee_service.add_tariff(
        db,
        product=body.product,
        validity_years=body.validity_years,
        amount=body.amount,
        effective_from=body.effective_from,
        basis=body.basis,
        proof=body.proof,
        actor=staff.username,
        now=now,
        catalog=catalog,
    )
    return TariffPublic(
        product=t.product.value,
        effective_from=t.effective_from,
        amount=t.amount,
        basis=t.regulation,
        proof=body.proof,
        in_force=t.effective_from <= now.astimezone(fee_service.FIRST_ZONE).date(),
    )


@router.get(
    "/calendar/holidays",
    response_model=list[HolidayPublic],
    responses=ERRORS,
    summary="The directorate's holiday decisions",
)
async def list_holidays(staff: NationalAdmin, db: DbDep) -> list[HolidayPublic]:
    return [
        HolidayPublic(date=o.day, day_off=o.day_off, name=o.name, decided_by=o.decided_by)
        for o in await calendar_service.holiday_overrides(db)
    ]


@router.post("/calendar/holidays", status_code=204, responses=ERRORS, summary="Declare a national day off")
async def add_holiday(
    body: HolidayCreate, staff: NationalAdmin, db: DbDep, now: NowDep, catalog: CatalogDep
) -> None:
    await calendar_service.add_holiday(
        db, body.date, body.name, actor=staff.username, now=now, catalog=catalog
    )


@router.delete(
    "/calendar/holidays/{day}",
    status_code=204,
    responses=ERRORS,
    summary="Withdraw a declared day off, or cancel a listed holiday",
)
async def remove_holiday(
    day: Day, staff: NationalAdmin, db: DbDep, now: NowDep, catalog: CatalogDep, settings: SettingsDep
) -> None:
    await calendar_service.remove_holiday(
        db, day, actor=staff.username, now=now, country=settings.holiday_country, catalog=catalog
    )


@router.post(
    "/invitations",
    response_model=InvitationPublic,
    status_code=201,
    responses=ERRORS,
    summary="Invite a person to an office role (a single-use, expiring link)",
)
async def invite(
    body: InvitationCreate, staff: NationalAdmin, db: DbDep, now: NowDep, settings: SettingsDep
) -> InvitationPublic:
    found = await invitations.invite(
        db,
        office_code=body.office.upper(),
        role=body.role,
        email=body.email,
        base_url=settings.public_url,
        now=now,
        granter=staff.identity,
    )
    return InvitationPublic(office=found.office_code, role=found.role, email=found.email, link=found.link)
