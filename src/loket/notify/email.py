"""E-mail over SMTP (stdlib smtplib, run in a thread): STARTTLS, implicit TLS or plain."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from loket.notify.messages import Rendered

IDEMPOTENCY_HEADER = "X-Loket-Idempotency-Key"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    tls: str = "starttls"  # starttls | tls | none
    user: str = ""
    password: str = ""
    sender: str = "Loket <noreply@loket.invalid>"
    timeout_s: float = 20.0


def message_id(key: str) -> str:
    """A Message-ID derived from the idempotency key: a re-sent message carries the same one."""
    safe = "".join(ch if ch.isalnum() or ch in "-._" else "." for ch in key)
    return f"<{safe}@loket>"


def build(config: SmtpConfig, to: str, message: Rendered, key: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(key)
    mail[IDEMPOTENCY_HEADER] = key
    mail.set_content(message.text)
    return mail


class EmailChannel:
    """Sends one message per SMTP connection (volumes are small; no connection to keep alive)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def _send(self, mail: EmailMessage) -> None:
        cfg = self.config
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if cfg.tls == "tls":
            smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
        with smtp:
            if cfg.tls == "starttls":
                smtp.starttls(context=context)
            if cfg.user:
                smtp.login(cfg.user, cfg.password)
            smtp.send_message(mail)

    async def send(self, to: str, message: Rendered, key: str) -> None:
        await asyncio.to_thread(self._send, build(self.config, to, message, key))
