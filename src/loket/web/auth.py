"""Staff authentication for pages and the API: the session cookie, the signed-in staff member,
office-scoped role checks (`require_role`) and the CSRF check on every unsafe request.

The cookie holds a random token (HttpOnly, SameSite=Strict, Secure when configured); the
database holds its hash and the session's CSRF token. A request that changes something must
echo the CSRF token in the `X-CSRF-Token` header (htmx, API clients) or a `csrf_token` form field.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response

from loket.domain.errors import Forbidden, Unauthorized
from loket.domain.staff import Role, StaffIdentity, require, require_national
from loket.services import staff as staff_service
from loket.settings import Settings

COOKIE = "loket_staff"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_PATH = "/staff/login"


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member of this request, and the office the route is about (if any)."""

    identity: StaffIdentity
    csrf_token: str
    office_code: str | None = None

    @property
    def username(self) -> str:
        return self.identity.username


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(settings.staff_session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=settings.cookie_secure)


async def current_staff(request: Request) -> Staff | None:
    """The staff member signed in on this request, or None (cached for the request)."""
    if hasattr(request.state, "staff"):
        cached: Staff | None = request.state.staff
        return cached
    token = request.cookies.get(COOKIE)
    found = None
    if token:
        found = await staff_service.authenticate(
            request.app.state.db, token, now=request.app.state.clock(), catalog=request.app.state.catalog
        )
    staff = Staff(found[0], found[1]) if found else None
    request.state.staff = staff
    return staff


def _wants_page(request: Request) -> bool:
    return request.method == "GET" and not request.url.path.startswith("/api/")


async def check_csrf(request: Request, staff: Staff) -> None:
    """Unsafe methods must echo the session's CSRF token (header or form field)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), staff.csrf_token.encode()):
        raise Forbidden("csrf_failed", "The form has expired; reload the page and try again")


async def signed_in(request: Request) -> Staff:
    """The signed-in staff member; 401 for the API, a redirect to the login page for pages."""
    staff = await current_staff(request)
    if staff is None:
        if _wants_page(request):
            raise HTTPException(303, headers={"Location": f"{LOGIN_PATH}?next={request.url.path}"})
        raise Unauthorized("unauthorized", "Sign in as staff of this office")
    await check_csrf(request, staff)
    return staff


def require_role(role: Role) -> Callable[..., Awaitable[Staff]]:
    """A dependency: the caller holds `role` (or higher) in the office named by the path's `code`."""

    async def dependency(request: Request, staff: Annotated[Staff, Depends(signed_in)]) -> Staff:
        office = str(request.path_params.get("code", "")).upper()
        require(staff.identity, office, role)
        return Staff(staff.identity, staff.csrf_token, office)

    dependency.__name__ = f"require_{role.value}"
    return dependency


async def national_admin(staff: Annotated[Staff, Depends(signed_in)]) -> Staff:
    """A dependency: the caller is a national administrator (offices, banks, tariffs, calendar)."""
    require_national(staff.identity)
    return staff


# The officer check as a plain function too, for the hot route that resolves it in line.
require_officer = require_role(Role.OFFICER)

SignedIn = Annotated[Staff, Depends(signed_in)]
NationalAdmin = Annotated[Staff, Depends(national_admin)]
Officer = Annotated[Staff, Depends(require_officer)]
Supervisor = Annotated[Staff, Depends(require_role(Role.SUPERVISOR))]
Admin = Annotated[Staff, Depends(require_role(Role.ADMIN))]
