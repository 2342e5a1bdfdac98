"""Web security in one ASGI middleware: the client's address, per-address rate limits on the routes
bots and brokers hammer (429 with Retry-After, before any parsing), and the security headers of
every answer (a CSP without inline scripts, no framing, no sniffing, no referrer).

Per-identity limits (a NIK, a booking code, a username) need the parsed request, so routes count
them themselves (web/limits.py). Pure ASGI rather than BaseHTTPMiddleware: a check costs
microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from html import escape
from typing import Any

import orjson

from loket.domain.client import client_address, network_key, trusted_networks
from loket.domain.ratelimit import too_many
from loket.i18n import pick_locale, translate
from loket.services.shared_limits import RateLimiter
from loket.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# (method, path pattern, rule family): the per-address limits; identity limits are in the routes.
LIMITED = (
    ("POST", re.compile(r"^/api/v1/offices/[^/]+/bookings$"), "booking"),
    ("POST", re.compile(r"^/booking/[^/]+/[^/]+/[^/]+$"), "booking"),
    ("POST", re.compile(r"^/waitlist/join/"), "booking"),
    ("POST", re.compile(r"^/api/v1/offices/[^/]+/ballots/[^/]+/entries$"), "ballot"),
    ("POST", re.compile(r"^/ballot/[^/]+/[^/]+$"), "ballot"),
    ("POST", re.compile(r"^/api/v1/(bookings|ballot-entries)/"), "lookup"),
    ("POST", re.compile(r"^/status/s/[^/]+/documents$"), "upload"),
    ("POST", re.compile(r"^/(status|ballot-status)(/|$)"), "lookup"),
    ("POST", re.compile(r"^/waitlist/[^/]+/(accept|withdraw)$"), "lookup"),
    ("POST", re.compile(r"^(/api/v1)?/staff/login$"), "login"),
)
KIOSK_PAGE = re.compile(r"^/offices/[A-Za-z0-9]+/kiosk$")
HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Answers that are not pages (JSON, the SVG charts and QR codes) load nothing; SVG keeps its styles.
OTHER_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


def _headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    found = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if settings.cookie_secure:
        found.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return found


class SecurityMiddleware:
    """Client address into `request.state`, per-address limits, security headers."""

    def __init__(self, app: ASGIApp, settings: Settings, limiter: RateLimiter | None) -> None:
        self.app = app
        self.settings = settings
        self.limiter = limiter
        self.trusted = trusted_networks(settings.trusted_proxies)
        self.extra = _headers(settings)
        # Built once: every answer gets these appended, nothing is computed per request.
        self.html_headers = [*self.extra, (b"content-security-policy", HTML_CSP.encode())]
        self.other_headers = [*self.extra, (b"content-security-policy", OTHER_CSP.encode())]
        # The kiosk screen alone may use the camera (it scans the booking's QR).
        self.kiosk_headers = [
            (
                k,
                b"camera=(self), microphone=(), geolocation=(), payment=()"
                if k == b"permissions-policy"
                else v,
            )
            for k, v in self.html_headers
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The one place the client's address is worked out (issue 21): uvicorn's own proxy
        # handling is off (`loket serve`), so scope["client"] is the TCP peer.
        peer = (scope.get("client") or (None,))[0]
        ip = peer
        if self.trusted and peer is not None:  # only then read X-Forwarded-For: any client can send one
            lines = [v.decode("latin-1") for k, v in scope.get("headers") or () if k == b"x-forwarded-for"]
            ip = client_address(peer, ", ".join(lines) if lines else None, self.trusted)
        scope.setdefault("state", {})["client_ip"] = ip
        if self.limiter is not None and ip and scope["method"] == "POST":
            wait = await self._over_limit(scope["method"], scope["path"], ip)
            if wait:
                await self._refuse(scope, dict(scope.get("headers") or ()), send, wait)
                return
        html_headers, other_headers = self.html_headers, self.other_headers
        if KIOSK_PAGE.match(scope["path"]):
            html_headers = self.kiosk_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = message.get("headers") or []
                html = any(k == b"content-type" and v.startswith(b"text/html") for k, v in raw)
                message["headers"] = [*raw, *(html_headers if html else other_headers)]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _over_limit(self, method: str, path: str, ip: str) -> float:
        assert self.limiter is not None
        for verb, pattern, family in LIMITED:
            if method == verb and pattern.match(path):
                return await self.limiter.hit(f"{family}_address", network_key(ip))
        return 0.0

    async def _refuse(self, scope: Scope, headers: dict[bytes, bytes], send: Send, wait: float) -> None:
        error = too_many(wait)
        cookies = headers.get(b"cookie", b"").decode("latin-1")
        lang = re.search(r"(?:^|;\s*)lang=([a-z]{2})", cookies)
        accept = headers.get(b"accept-language", b"").decode("latin-1")
        locale = pick_locale(None, lang.group(1) if lang else None, accept, self.settings.default_locale)
        message = translate(locale, error.message, **error.params)
        if scope["path"].startswith("/api/"):
            body = orjson.dumps({"error": error.code, "field": None, "message": message, **error.extra})
            kind = b"application/json"
        else:
            page = f'<!doctype html><html lang="{locale}"><title>429</title><p>{escape(message)}</p></html>'
            body = page.encode()
            kind = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", kind),
                    (b"retry-after", str(error.retry_after).encode()),
                    (b"content-length", str(len(body)).encode()),
                    *self.extra,
                    (b"content-security-policy", OTHER_CSP.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
