"""The channels against real servers on loopback: SMTP (aiosmtpd) and the signed HTTP gateway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from loket.notify.email import EmailChannel, SmtpConfig
from loket.notify.gateway import GatewayChannel, GatewayConfig, GatewayError
from loket.notify.messages import Rendered

from .notify_servers import Gateway, MailBox, free_port

MESSAGE = Rendered(
    "Pemesanan paspor PLG-0123456789", "Loket: bayar Rp 355.000 dengan kode billing 812345678901234."
)


def _check_login(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"loket",
        b"rahasia",
    )
    return AuthResult(success=ok)


@pytest.fixture
def smtp() -> Iterator[tuple[MailBox, int]]:
    box, port = MailBox(), free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=_check_login, auth_require_tls=False
    )
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


async def test_email_is_delivered_over_smtp_with_login(smtp: tuple[MailBox, int]) -> None:
    box, port = smtp
    channel = EmailChannel(
        SmtpConfig(
            "127.0.0.1", port, tls="none", user="loket", password="rahasia", sender="Loket <loket@example.id>"
        )
    )
    await channel.send("ibu@example.id", MESSAGE, "booking_made:PLG-0123456789:email")
    (mail,) = box.messages
    assert mail["To"] == "ibu@example.id" and mail["Subject"] == MESSAGE.subject
    assert mail["Message-ID"] == "<booking_made.PLG-0123456789.email@loket>"
    assert mail["X-Loket-Idempotency-Key"] == "booking_made:PLG-0123456789:email"
    assert "Rp 355.000" in mail.get_payload(decode=True).decode()


async def test_the_gateway_accepts_a_signed_request() -> None:
    gateway = Gateway(secret="gateway-secret").start()
    try:
        channel = GatewayChannel(GatewayConfig(gateway.url, "gateway-secret", "sms"))
        await channel.send("+6281299990000", MESSAGE, "booking_made:PLG-0123456789:phone")
        await channel.send("+6281299990000", MESSAGE, "booking_made:PLG-0123456789:phone")  # a retry
        await channel.close()
    finally:
        gateway.stop()
    assert len(gateway.requests) == 2 and list(gateway.applied) == ["booking_made:PLG-0123456789:phone"]
    sent = gateway.applied["booking_made:PLG-0123456789:phone"]
    assert (sent["to"], sent["channel"], sent["text"]) == ("+6281299990000", "sms", MESSAGE.text)


async def test_the_gateway_refuses_a_bad_signature() -> None:
    gateway = Gateway(secret="gateway-secret").start()
    try:
        channel = GatewayChannel(GatewayConfig(gateway.url, "not-the-secret"))
        with pytest.raises(GatewayError, match="401"):
            await channel.send("+6281299990000", MESSAGE, "k2")
        await channel.close()
    finally:
        gateway.stop()
    assert gateway.rejected == 1 and gateway.applied == {}
