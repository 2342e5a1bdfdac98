"""One way from what an applicant sent to the domain's `BookingRequest`, for the booking API, the
ballot API and the applicant's pages: the fields by their BookingRequest names, already typed
(the pages parse their strings first, web/pages/identity_form.py), and the client's details."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import Request

from loket.domain.booking import BookingRequest
from loket.web.client import client_fp, client_ip


def booking_request(fields: Mapping[str, Any], *, day: date, client: Request | None = None) -> BookingRequest:
    """The request for `day` from `fields`; with `client`, its address and browser fingerprint too.

    `email`, `validity_years` and `priority_reason` may be absent (the ballot has no priority)."""
    return BookingRequest(
        nik=fields["nik"],
        full_name=fields["full_name"],
        birth_date=fields["birth_date"],
        sex=fields["sex"],
        phone=fields["phone"],
        email=fields.get("email"),
        day=day,
        session=fields["session"],
        category=fields["category"],
        product=fields["product"],
        service=fields["service"],
        validity_years=fields.get("validity_years"),
        priority_reason=fields.get("priority_reason"),
        kk=fields.get("kk") or None,
        client_ip=client_ip(client) if client is not None else None,
        client_fp=client_fp(client) if client is not None else None,
    )
