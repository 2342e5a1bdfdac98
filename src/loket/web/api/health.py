"""Liveness that means something: the database answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from loket import __version__
from loket.web.deps import DbDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Health: the server and its database answer")
async def healthz(db: DbDep) -> JSONResponse:
    try:
        ok = await db.ping()
    except Exception:  # any database failure is 'unhealthy', never a 500 page
        ok = False
    body = {"status": "ok" if ok else "unavailable", "database": db.dialect, "version": __version__}
    return JSONResponse(body, status_code=200 if ok else 503)
