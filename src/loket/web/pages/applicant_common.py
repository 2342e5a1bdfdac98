"""Shared pieces of the applicant's pages: rendering, HTML error pages, the signed 'just booked' cookie."""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from loket.domain.booking import BookingPolicy
from loket.domain.errors import DomainError, TooMany
from loket.domain.waitlist import WaitlistPolicy
from loket.i18n import N_, translate
from loket.settings import Settings, booking_policy
from loket.web.csrf import csrf_token, remember_csrf
from loket.web.deps import request_locale

P = ParamSpec("P")
RECENT_COOKIE = "loket_recent"
RECENT_TTL_S = 24 * 3600


def policies(settings: Settings) -> tuple[BookingPolicy, WaitlistPolicy]:
    return booking_policy(settings), WaitlistPolicy(settings.waitlist_offer_minutes)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render an applicant template in the request's language; remember an explicit ?lang= in a cookie."""
    locale = request_locale(request)
    now = request.app.state.clock()
    settings: Settings = request.app.state.settings
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request,
        name,
        {"locale": locale, "server_now": now.isoformat(), "csrf_token": csrf_token(request), **context},
        status_code=status_code,
    )
    remember_csrf(request, response, settings)
    if request.query_params.get("lang") == locale:
        response.set_cookie(
            "lang",
            locale,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
        )
    # Pages that show a NIK-proven booking must not be kept by shared caches.
    response.headers["Cache-Control"] = "no-store"
    return response


# The domain names a bad choice by its stored values ("Choose one of: male, female"): fine for the
# API, but a page names the options in the reader's words, so it says this instead.
RAW_CHOICES = "Choose one of: %(choices)s"
CHOOSE_OFFERED = N_("Choose one of the options offered")


def error_message(exc: DomainError, locale: str) -> str:
    """The error in the reader's language, never with a raw enum value."""
    if exc.message == RAW_CHOICES:
        return translate(locale, CHOOSE_OFFERED)
    return translate(locale, exc.message, **exc.params)


def field_errors(exc: DomainError, locale: str, prefix: str = "") -> dict[str, str]:
    """{form field: translated message} for an error, so it is shown next to its field."""
    return {f"{prefix}{exc.field or 'form'}": error_message(exc, locale)}


def html_errors(endpoint: Callable[P, Awaitable[Response]]) -> Callable[P, Awaitable[Response]]:
    """Answer a domain error that escapes a page with an HTML page, not the API's JSON."""

    @functools.wraps(endpoint)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return await endpoint(*args, **kwargs)
        except DomainError as exc:
            request = kwargs["request"]
            assert isinstance(request, Request)
            message = translate(request_locale(request), exc.message, **exc.params)
            page = render(
                request, "applicant/error.html", status_code=exc.status, message=message, code=exc.code
            )
            if isinstance(exc, TooMany):
                page.headers["Retry-After"] = str(exc.retry_after)
            return page

    return wrapper


def _sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def recent_cookie(secret: str, codes: list[str], now_s: float | None = None) -> str:
    """`CODE,CODE~EXPIRY~SIGNATURE`: the bookings this browser just made (no NIK in it)."""
    payload = f"{','.join(codes)}~{int((now_s or time.time()) + RECENT_TTL_S)}"
    return f"{payload}~{_sign(secret, payload)}"


def recent_codes(secret: str, value: str | None, now_s: float | None = None) -> list[str]:
    """The codes of a valid, unexpired cookie; [] otherwise."""
    if not value or value.count("~") != 2:
        return []
    codes, expiry, signature = value.split("~")
    if not hmac.compare_digest(_sign(secret, f"{codes}~{expiry}"), signature):
        return []
    if not expiry.isdigit() or int(expiry) < (now_s or time.time()):
        return []
    return [c for c in codes.split(",") if c][:5]
