"""The office node's page (issue 19). At the centre: the office's link as the centre sees it,
the other offices offline, and the conflict cases with both versions and their resolutions. On
the node: its own link (the banner of every staff page says the same)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from loket.domain.msgid import N_
from loket.services import node_central
from loket.web.auth import Supervisor
from loket.web.deps import DbDep, LocaleDep, NowDep, SettingsDep, catalog_of
from loket.web.pages.home import render

router = APIRouter(include_in_schema=False)

# The names the page shows for case kinds, states and resolutions (services/node_central.py).
LABELS = {
    "booking_changed": N_("Booking changed at the centre"),
    "payment_missing": N_("Payment not found at the centre"),
    "ticket_number": N_("Ticket number used by both sides"),
    "refused": N_("Refused by the centre"),
    "open": N_("open"),
    "resolved": N_("resolved"),
    "accept_office": N_("Accept what the office did"),
    "keep_central": N_("Keep the centre's version"),
    "payment_confirmed": N_("Payment confirmed"),
    "charge_applicant": N_("Ask the applicant to pay"),
    "renumbered": N_("Numbers noted"),
}


@router.get("/offices/{code}/node", response_class=HTMLResponse)
async def node_page(
    request: Request, staff: Supervisor, db: DbDep, now: NowDep, locale: LocaleDep, settings: SettingsDep
) -> HTMLResponse:
    code = staff.office_code or ""
    office = (await catalog_of(request).get(db, code)).office
    on_node = request.app.state.node_link is not None
    after = settings.node_offline_after_s
    return render(
        request,
        "floor/node.html",
        locale,
        staff=staff,
        office=office,
        on_node=on_node,
        status=None if on_node else await node_central.node_status(db, code, now=now, offline_after_s=after),
        offline=[] if on_node else await node_central.offline_offices(db, now=now, offline_after_s=after),
        cases=[] if on_node else await node_central.conflict_cases(db, code),
        labels=LABELS,
        pretty=lambda value: json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True),
    )


@router.post("/offices/{code}/node/cases/{case_id}", response_class=HTMLResponse)
async def resolve(
    case_id: str, staff: Supervisor, db: DbDep, now: NowDep, resolution: Annotated[str, Form()] = ""
) -> RedirectResponse:
    await node_central.resolve_case(
        db, staff.office_code or "", case_id, resolution, actor=staff.username, now=now
    )
    return RedirectResponse(f"/offices/{staff.office_code}/node", status_code=303)
