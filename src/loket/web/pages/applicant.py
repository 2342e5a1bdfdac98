"""The applicant's pages (issue 5): booking flow, status, waiting list. Registered in web/app.py."""

from __future__ import annotations

from fastapi import APIRouter

from loket.web.pages import applicant_booking, applicant_status, applicant_waitlist

router = APIRouter(include_in_schema=False)
router.include_router(applicant_booking.router)
router.include_router(applicant_status.router)
router.include_router(applicant_waitlist.router)
