"""The configured channels a message can go out on (e-mail, the SMS/WhatsApp gateway).

`services/delivery.py` claims due outbox rows, renders them and sends them through these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from loket.domain.notification import Channel, RetryPolicy
from loket.notify.email import EmailChannel, SmtpConfig
from loket.notify.gateway import GatewayChannel, GatewayConfig
from loket.settings import Settings


class Sender(Protocol):
    async def send(self, to: str, message: Any, key: str) -> None: ...


@dataclass
class Senders:
    """The configured channels; a missing one marks its messages `skipped`."""

    email: Sender | None = None
    phone: Sender | None = None
    closers: list[Any] = field(default_factory=list)

    def for_channel(self, channel: str) -> Sender | None:
        return self.email if channel == Channel.EMAIL.value else self.phone

    async def close(self) -> None:
        for closer in self.closers:
            await closer()


def senders_from(settings: Settings) -> Senders:
    """Channels as the settings configure them."""
    found = Senders()
    if settings.notify_smtp_host:
        found.email = EmailChannel(
            SmtpConfig(
                host=settings.notify_smtp_host,
                port=settings.notify_smtp_port,
                tls=settings.notify_smtp_tls,
                user=settings.notify_smtp_user,
                password=settings.notify_smtp_password,
                sender=settings.notify_email_from,
            )
        )
    if settings.notify_gateway_url:
        gateway = GatewayChannel(
            GatewayConfig(
                settings.notify_gateway_url, settings.notify_gateway_secret, settings.notify_gateway_channel
            )
        )
        found.phone = gateway
        found.closers.append(gateway.close)
    return found


def retry_policy(settings: Settings) -> RetryPolicy:
    """The back-off the settings ask for."""
    return RetryPolicy(settings.notify_max_attempts, settings.notify_backoff_s, settings.notify_backoff_max_s)
