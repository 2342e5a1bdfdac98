"""Real servers on loopback for the notification tests: an SMTP server (aiosmtpd) and an HTTP
gateway that checks the HMAC signature and applies each idempotency key once."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailBox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@dataclass
class Gateway:
    """The SMS/WhatsApp gateway: 401 without a good signature, one application per idempotency key."""

    secret: str
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    applied: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def start(self) -> Gateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                expected = "sha256=" + hmac.new(gateway.secret.encode(), body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, self.headers.get("X-Loket-Signature", "")):
                    with gateway.lock:
                        gateway.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                data = json.loads(body)
                time.sleep(gateway.delay_s)
                with gateway.lock:
                    gateway.requests.append(data)
                    key = self.headers.get("Idempotency-Key", "")
                    assert key == data["idempotency_key"]
                    gateway.applied.setdefault(key, data)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status":"queued"}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
