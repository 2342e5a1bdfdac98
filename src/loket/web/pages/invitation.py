"""The invitation page: the single-use link where an invited person chooses a username and sets
their own password (no password ever crosses a terminal or an e-mail)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from loket.domain.errors import DomainError
from loket.formatting import local_datetime
from loket.i18n import translate
from loket.services import invitations
from loket.web.auth import LOGIN_PATH
from loket.web.csrf import require_csrf
from loket.web.deps import DbDep, LocaleDep, NowDep
from loket.web.limits import check_rate
from loket.web.pages.home import render

router = APIRouter(include_in_schema=False)


async def _page(
    request: Request, db: DbDep, token: str, locale: str, now: datetime, error: str | None, username: str = ""
) -> HTMLResponse:
    try:
        found = await invitations.pending_invitation(db, token, now=now)
    except DomainError as exc:
        page = render(
            request,
            "staff/invitation.html",
            locale,
            invitation=None,
            error=translate(locale, exc.message, **exc.params),
        )
        page.status_code = exc.status
        return page
    page = render(
        request,
        "staff/invitation.html",
        locale,
        invitation=found,
        expires=local_datetime(found.expires_at, found.timezone, locale),
        token=token,
        username=username or found.email.split("@", 1)[0].lower(),
        error=error,
    )
    return page


@router.get(invitations.INVITE_PATH + "{token}", response_class=HTMLResponse)
async def invitation_page(
    request: Request, token: str, db: DbDep, now: NowDep, locale: LocaleDep
) -> HTMLResponse:
    return await _page(request, db, token, locale, now, None)


@router.post(
    invitations.INVITE_PATH + "{token}", response_class=HTMLResponse, dependencies=[Depends(require_csrf)]
)
async def invitation_submit(
    request: Request,
    token: str,
    db: DbDep,
    now: NowDep,
    locale: LocaleDep,
    username: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
) -> Response:
    try:
        await check_rate(request, "login", token[:16])
        if password != password_again:
            raise DomainError("password_mismatch", "The two passwords differ", field="password")
        await invitations.accept_invitation(
            db, token, username=username, full_name=full_name, password=password, now=now
        )
    except DomainError as exc:
        page = await _page(
            request, db, token, locale, now, translate(locale, exc.message, **exc.params), username
        )
        if page.status_code == 200:
            page.status_code = exc.status
        return page
    return RedirectResponse(f"{LOGIN_PATH}?next=/staff", status_code=303)
