"""The routes a quota release and a busy floor hammer, answered without FastAPI's routing layers.

Under a rush nearly every request is `POST /api/v1/offices/{code}/bookings` (a booking, or far
more often a sold-out answer) or a load balancer's `GET /healthz`. Profiled (bench/hotpaths.py
--profile, docs/performance.md), a sold-out answer spent about 60% of its CPU in FastAPI and
Starlette around the endpoint: exception and exit-stack middleware, matching the path against
some 250 routes, building the request, parsing and validating the body in two steps. This ASGI
middleware sits inside the security and body-limit middleware (so client address, per-address
limits, security headers and body limits all still apply) and calls the very same endpoint
functions directly, with the body validated by the same pydantic model.

Anything that is not the plain case goes on to FastAPI unchanged, body included: a body that is
not a JSON object of valid fields (FastAPI's 422 with every field's error is the one answer to
bad input), another content type, another method. An error raised by the endpoint is answered
by the handler the app registered for it (web/errors.py), as FastAPI would.

`POST /api/v1/offices/{code}/stations/{station}/call-next` is the floor's: eight officers press it
in the same instant and each answer waits for the others' CPU on the one event loop, so the
framework's share (about a third of a call's CPU, bench/floor.py --profile) is time every officer
waits. It takes no body; the staff checks are the route's own dependencies, called in line.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from loket.web.api.bookings import create_booking
from loket.web.api.floor import call_next_answer
from loket.web.api.health import healthz
from loket.web.api.schemas import BookingCreate
from loket.web.body_limits import replayed

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BOOKINGS = re.compile(r"^/api/v1/offices/([^/]+)/bookings$")
CALL_NEXT = re.compile(r"^/api/v1/offices/([^/]+)/stations/([^/]+)/call-next$")
JSON_TYPES = frozenset({b"application/json", b"application/json; charset=utf-8"})


class HotRoutes:
    """`GET /healthz`, `POST /api/v1/offices/{code}/bookings` and call-next straight to their endpoints."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, path = scope["method"], scope["path"]
            if method == "GET" and path == "/healthz":
                await self._answer(scope, receive, send, healthz, Request(scope, receive))
                return
            if method == "POST" and (found := BOOKINGS.match(path)) is not None:
                await self._booking(scope, receive, send, found.group(1))
                return
            if method == "POST" and (found := CALL_NEXT.match(path)) is not None:
                # The route takes no body: FastAPI would not read one either.
                code, station = found.groups()
                scope["path_params"] = {"code": code, "station": station}
                request = Request(scope, receive)
                await self._answer(scope, receive, send, call_next_answer, request, station)
                return
        await self.app(scope, receive, send)

    async def _booking(self, scope: Scope, receive: Receive, send: Send, code: str) -> None:
        body, after = await _read(receive)
        parsed = self._valid(scope, body)
        if parsed is None:
            # Bad input or an unusual request: FastAPI answers it, from the same bytes.
            await self.app(scope, replayed(body, after, receive), send)
            return
        request = Request(scope, replayed(body, after, receive))
        await self._answer(scope, receive, send, create_booking, code, parsed, request)

    @staticmethod
    def _valid(scope: Scope, body: bytes) -> BookingCreate | None:
        """The body as the route's model, or None when only FastAPI's full path may answer it."""
        kind = next((v for k, v in scope.get("headers") or () if k == b"content-type"), None)
        if kind is None or kind.lower() not in JSON_TYPES:
            return None
        try:
            value = orjson.loads(body)
            # Python-mode validation of the decoded object: what FastAPI itself runs on a JSON body.
            return BookingCreate.model_validate(value) if isinstance(value, dict) else None
        except (orjson.JSONDecodeError, ValidationError):
            return None

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, endpoint: Callable[..., Any], *args: Any
    ) -> None:
        try:
            response: Response = await endpoint(*args)
        except Exception as exc:
            handler = _handler_of(scope["app"], exc)
            if handler is None:
                raise
            request = next((a for a in args if isinstance(a, Request)), None) or Request(scope, receive)
            response = await handler(request, exc)
        await response(scope, receive, send)


def _handler_of(app: Any, exc: Exception) -> Callable[..., Awaitable[Response]] | None:
    """The exception handler the app registered for `exc`'s class or its nearest base."""
    handlers = app.exception_handlers
    for kind in type(exc).__mro__:
        if kind in handlers:
            return handlers[kind]
    return None


async def _read(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body (the body-limit middleware outside has bounded it already)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None
