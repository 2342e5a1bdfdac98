"""The applicant's pages (issue 5): booking flow, status, waiting list. Registered in web/app.py."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from loket.web.csrf import require_csrf
from loket.web.pages import (
    applicant_booking,
    applicant_documents,
    applicant_status,
    applicant_waitlist,
    contact_code,
)

# Every form post of the applicant's pages carries the double-submit token (web/csrf.py).
router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
router.include_router(applicant_booking.router)
router.include_router(applicant_status.router)
router.include_router(contact_code.router)
router.include_router(applicant_documents.router)
router.include_router(applicant_waitlist.router)
