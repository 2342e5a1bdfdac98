"""The HTTP adapter to an external billing service (contract: docs/payments.md, "Billing provider").

Every request is signed (`X-Loket-Signature`: HMAC-SHA256 of the body, or of `GET <path>` for a
query) and carries the booking code as `Idempotency-Key`, so a request retried after a timeout
gets the code already issued, never a second one. Timeouts, connection errors, 429 and 5xx are
`ProviderUnavailable` (retried by the worker); any other 4xx is `ProviderRefused`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

from loket.domain.payment import SIGNATURE_HEADER, sign
from loket.services.billing.provider import (
    BillingOrder,
    CodeStatus,
    IssuedCode,
    ProviderRefused,
    ProviderUnavailable,
)

CODES_PATH = "/v1/billing-codes"


def _when(raw: object) -> datetime:
    moment = datetime.fromisoformat(str(raw))
    if moment.tzinfo is None:
        raise ValueError("a time without its zone")
    return moment


class HttpProvider:
    """An external billing service over HTTP (JSON, HMAC-signed both ways)."""

    name = "http"
    issues_locally = False

    def __init__(self, base_url: str, secret: str, *, timeout_s: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def _send(self, method: str, path: str, body: bytes | None, key: str | None) -> dict[str, Any]:
        signed = body if body is not None else f"{method} {path}".encode()
        headers = {SIGNATURE_HEADER: sign(self.secret, signed), "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        try:
            response = await self._client.request(method, self.base_url + path, content=body, headers=headers)
        except httpx.HTTPError as exc:  # timeouts, refused connections, resets
            raise ProviderUnavailable(f"{type(exc).__name__}: {exc}"[:200]) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise ProviderRefused(f"HTTP {response.status_code}: {response.text[:150]}")
        try:
            data = response.json()
        except ValueError as exc:
            raise ProviderUnavailable("the answer is not JSON") from exc
        if not isinstance(data, dict):
            raise ProviderUnavailable("the answer is not a JSON object")
        return data

    async def request_code(self, order: BillingOrder) -> IssuedCode:
        body = json.dumps(
            {
                "reference": order.reference,
                "office": order.office_code,
                "amount": order.amount,
                "payer": order.payer,
                "expires_at": order.expires_at.isoformat(),
            }
        ).encode()
        data = await self._send("POST", CODES_PATH, body, order.reference)
        try:
            code = str(data["billing_code"])
            issued = IssuedCode(code, int(data["amount"]), _when(data["expires_at"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"a malformed answer: {exc}"[:200]) from exc
        if len(code) != 15 or not code.isdigit():
            raise ProviderUnavailable("the billing code is not 15 digits")
        return issued

    async def status(self, billing_code: str) -> CodeStatus:
        data = await self._send("GET", f"{CODES_PATH}/{billing_code}", None, None)
        try:
            return CodeStatus(
                str(data["billing_code"]),
                str(data["status"]),
                int(data["amount"]),
                data.get("ntpn"),
                _when(data["paid_at"]) if data.get("paid_at") else None,
                data.get("bank"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"a malformed answer: {exc}"[:200]) from exc

    def notification_secrets(self) -> list[str]:
        return [self.secret]

    async def close(self) -> None:
        await self._client.aclose()
