"""SMS and WhatsApp through an HTTP gateway: a JSON POST signed with HMAC-SHA256."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from loket.domain.payment import sign
from loket.notify.messages import Rendered

SIGNATURE_HEADER = "X-Loket-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class GatewayConfig:
    url: str
    secret: str
    channel: str = "whatsapp"  # whatsapp | sms
    timeout_s: float = 15.0


class GatewayError(Exception):
    """The gateway did not accept the message."""


def body_for(config: GatewayConfig, to: str, message: Rendered, key: str) -> bytes:
    return json.dumps(
        {"to": to, "channel": config.channel, "text": message.text, "idempotency_key": key},
        ensure_ascii=False,
        sort_keys=True,
    ).encode()


class GatewayChannel:
    """Posts `{to, channel, text, idempotency_key}`; the gateway treats a repeated key as one message."""

    def __init__(self, config: GatewayConfig, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self.client = client or httpx.AsyncClient(timeout=config.timeout_s)

    async def send(self, to: str, message: Rendered, key: str) -> None:
        body = body_for(self.config, to, message, key)
        response = await self.client.post(
            self.config.url,
            content=body,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(self.config.secret, body),
                IDEMPOTENCY_HEADER: key,
            },
        )
        if response.status_code >= 300:
            raise GatewayError(f"gateway answered {response.status_code}: {response.text[:200]}")

    async def close(self) -> None:
        await self.client.aclose()
