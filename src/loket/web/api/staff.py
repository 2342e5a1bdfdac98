"""Staff sign-in and staff accounts over JSON. Sign-in sets the HttpOnly session cookie and
returns the CSRF token that every later unsafe request must echo in `X-CSRF-Token`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from loket.services import staff as staff_service
from loket.web.api.floor_schemas import (
    StaffCreate,
    StaffLogin,
    StaffMemberPublic,
    StaffPublic,
    StaffRoleUpdate,
)
from loket.web.api.openapi import responses
from loket.web.auth import COOKIE, Admin, SignedIn, clear_session_cookie, set_session_cookie
from loket.web.client import client_ip
from loket.web.deps import CatalogDep, DbDep, NowDep, SettingsDep
from loket.web.limits import check_rate, login_guard

router = APIRouter(prefix="/api/v1", tags=["staff"])
ERRORS = responses(
    401, 403, 404, 409, 422, 429, described={403: "Not allowed", 429: "Too many attempts (see Retry-After)"}
)


@router.post(
    "/staff/login", response_model=StaffPublic, responses=ERRORS, summary="Sign in (sets the session cookie)"
)
async def login(
    body: StaffLogin, request: Request, response: Response, db: DbDep, now: NowDep, settings: SettingsDep
) -> StaffPublic:
    await check_rate(request, "login", body.username)
    done = await staff_service.login(
        db,
        body.username,
        body.password,
        now=now,
        hours=settings.staff_session_hours,
        guard=login_guard(settings),
        address=client_ip(request),
    )
    set_session_cookie(response, done.token, settings)
    return StaffPublic(
        username=done.identity.username,
        full_name=done.identity.full_name,
        roles={office: role.value for office, role in done.identity.roles.items()},
        national=done.identity.national,
        csrf_token=done.csrf_token,
    )


@router.post("/staff/logout", status_code=204, responses=ERRORS, summary="Sign out")
async def logout(
    staff: SignedIn,
    request: Request,
    response: Response,
    db: DbDep,
    now: NowDep,
    settings: SettingsDep,
    catalog: CatalogDep,
) -> None:
    await staff_service.logout(db, request.cookies.get(COOKIE, ""), now=now, catalog=catalog)
    clear_session_cookie(response, settings)


@router.get("/staff/me", response_model=StaffPublic, responses=ERRORS, summary="Who is signed in")
async def me(staff: SignedIn) -> StaffPublic:
    return StaffPublic(
        username=staff.username,
        full_name=staff.identity.full_name,
        roles={office: role.value for office, role in staff.identity.roles.items()},
        national=staff.identity.national,
        csrf_token=staff.csrf_token,
    )


@router.get(
    "/offices/{code}/staff",
    response_model=list[StaffMemberPublic],
    responses=ERRORS,
    summary="Admin: the office's staff",
)
async def list_staff(staff: Admin, db: DbDep) -> list[StaffMemberPublic]:
    rows = await staff_service.office_staff(db, staff.office_code or "")
    return [StaffMemberPublic.model_validate(r) for r in rows]


@router.post(
    "/offices/{code}/staff", status_code=201, responses=ERRORS, summary="Admin: create a staff account"
)
async def create_staff(body: StaffCreate, staff: Admin, db: DbDep, now: NowDep) -> dict[str, str]:
    made = await staff_service.create_staff(
        db,
        office_code=staff.office_code or "",
        username=body.username,
        full_name=body.full_name,
        password=body.password,
        role=body.role,
        now=now,
        granter=staff.identity,
    )
    return {"username": made.username, "role": body.role}


@router.put(
    "/offices/{code}/staff/{username}", status_code=204, responses=ERRORS, summary="Admin: set a role"
)
async def put_role(
    username: str, body: StaffRoleUpdate, staff: Admin, db: DbDep, now: NowDep, catalog: CatalogDep
) -> None:
    await staff_service.grant_role(
        db,
        office_code=staff.office_code or "",
        username=username,
        role=body.role,
        now=now,
        granter=staff.identity,
        catalog=catalog,
    )


@router.delete(
    "/offices/{code}/staff/{username}", status_code=204, responses=ERRORS, summary="Admin: remove a role"
)
async def delete_role(username: str, staff: Admin, db: DbDep, now: NowDep, catalog: CatalogDep) -> None:
    await staff_service.revoke_role(
        db,
        office_code=staff.office_code or "",
        username=username,
        now=now,
        granter=staff.identity,
        catalog=catalog,
    )
