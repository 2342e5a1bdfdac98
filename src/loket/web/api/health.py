"""Liveness that means something: the database answers."""

from __future__ import annotations

from fastapi import APIRouter, Request

from loket import __version__
from loket.web.deps import db_of
from loket.web.responses import JSONBytes

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Health: the server and its database answer")
async def healthz(request: Request) -> JSONBytes:
    db = db_of(request)  # no dependency to resolve: load balancers call this many times a second
    try:
        ok = await db.ping()
    except Exception:  # any database failure is 'unhealthy', never a 500 page
        ok = False
    body = {"status": "ok" if ok else "unavailable", "database": db.dialect, "version": __version__}
    return JSONBytes(body, status_code=200 if ok else 503)
