"""Limits on what a request body may be, before any route reads it (issue 21): its size
(`LOKET_MAX_BODY_BYTES`, 413), and for JSON its nesting depth and number of values
(`LOKET_MAX_JSON_DEPTH`, `LOKET_MAX_JSON_ITEMS`, 422). Without them eight 100 MB bodies took the
server to 1 GB, a 200,000-deep array overflowed the parser's recursion, and an object with 500k keys
made a 41 MB list of errors.

Pure ASGI: the body is read here (at most the limit, refused as soon as it passes it, or at once
when Content-Length says so), checked once with orjson (C, which stops at its own depth limit
instead of recursing), and handed on unchanged to the app.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from html import escape
from typing import Any

import orjson

from loket.i18n import N_, pick_locale, translate
from loket.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The document upload (issue 20) has its own bound: one file of LOKET_DOCUMENTS_MAX_FILE_BYTES and
# the multipart framing around it (the CSRF token, the item's name, the part headers).
UPLOAD_PATH = re.compile(r"^/status/s/[^/]+/documents$")
MULTIPART_OVERHEAD = 64 * 1024
TOO_LARGE = N_("The request is too large (at most %(limit)s bytes)")
TOO_DEEP = N_("The JSON body is nested too deeply (at most %(limit)s levels)")
TOO_MANY = N_("The JSON body holds too many values (at most %(limit)s)")


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, limit: int) -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.limit = status, code, message, limit


def json_shape_ok(value: Any, max_depth: int, max_items: int) -> None:
    """Raise Refused when `value` nests deeper than `max_depth` or holds more than `max_items`
    values. Iterative: no recursion however deep the value."""
    items = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            raise Refused(422, "json_too_deep", TOO_DEEP, max_depth)
        items += len(node)
        if items > max_items:
            raise Refused(422, "json_too_large", TOO_MANY, max_items)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def replayed(body: bytes, after: Message | None, receive: Receive) -> Receive:
    """A `receive` that hands on a body already read whole, then what came after it."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        if after is not None:
            return after
        return await receive()

    return replay


class BodyLimitMiddleware:
    """Refuse bodies over the size limit (413) and JSON bodies too deep or too big (422)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.max_bytes = settings.max_body_bytes
        self.upload_bytes = settings.documents_max_file_bytes + MULTIPART_OVERHEAD

    def limit_of(self, scope: Scope) -> int:
        """The largest body this request may send."""
        if scope["method"] == "POST" and UPLOAD_PATH.match(scope["path"]):
            return self.upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        limit = self.limit_of(scope)
        try:
            declared = headers.get(b"content-length")
            if declared is not None and int(declared) > limit:
                raise Refused(413, "body_too_large", TOO_LARGE, limit)
            if scope["method"] not in WITH_BODY:
                await self.app(scope, receive, send)
                return
            body, after = await self._read(receive, limit)
            if b"json" in headers.get(b"content-type", b"") and body:
                self._check_json(body)
        except Refused as refused:
            await self._refuse(scope, headers, send, refused)
            return
        await self.app(scope, replayed(body, after, receive), send)

    async def _read(self, receive: Receive, limit: int) -> tuple[bytes, Message | None]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: the app sees that next
                return b"".join(chunks), message
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise Refused(413, "body_too_large", TOO_LARGE, limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None

    def _check_json(self, body: bytes) -> None:
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if "depth" in str(exc).lower() or "recursion" in str(exc).lower():
                raise Refused(422, "json_too_deep", TOO_DEEP, self.settings.max_json_depth) from exc
            return  # malformed: the route answers that, with the field
        json_shape_ok(value, self.settings.max_json_depth, self.settings.max_json_items)

    async def _refuse(self, scope: Scope, headers: dict[bytes, bytes], send: Send, refused: Refused) -> None:
        cookies = headers.get(b"cookie", b"").decode("latin-1")
        lang = re.search(r"(?:^|;\s*)lang=([a-z]{2})", cookies)
        accept = headers.get(b"accept-language", b"").decode("latin-1")
        locale = pick_locale(None, lang.group(1) if lang else None, accept, self.settings.default_locale)
        message = translate(locale, refused.message, limit=refused.limit)
        if scope["path"].startswith("/api/") or b"text/html" not in headers.get(b"accept", b""):
            body = orjson.dumps({"error": refused.code, "field": "body", "message": message})
            kind = b"application/json"
        else:
            title = f"<title>{refused.status}</title>"
            body = f'<!doctype html><html lang="{locale}">{title}<p>{escape(message)}</p></html>'.encode()
            kind = b"text/html; charset=utf-8"
        start: Message = {
            "type": "http.response.start",
            "status": refused.status,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                # The rest of an oversized body is not read: the connection cannot be reused.
                *([(b"connection", b"close")] if refused.status == 413 else []),
            ],
        }
        await send(start)
        await send({"type": "http.response.body", "body": body})
