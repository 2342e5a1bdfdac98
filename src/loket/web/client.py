"""Who is asking: the client's address and a coarse browser fingerprint, recorded with a booking or
a ballot entry as anti-broker evidence (and counted against the per-address booking limit)."""

from __future__ import annotations

from fastapi import Request

from loket.domain.client import fingerprint


def client_ip(request: Request) -> str | None:
    """The client's address as the middleware worked it out (None outside the app, e.g. tests)."""
    return getattr(request.state, "client_ip", None) or (request.client.host if request.client else None)


def client_fp(request: Request) -> str | None:
    """The coarse browser fingerprint of this request."""
    return fingerprint(request.headers.get("user-agent"), request.headers.get("accept-language"))
