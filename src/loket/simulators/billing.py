"""`loket simulator billing`: a billing service that speaks Loket's contract (docs/payments.md).

It issues 15-digit codes (the same code again for the same reference), answers status queries,
accepts "payments" from a form or an API call and posts signed payment notifications to Loket.
It can be told (POST /control) to be slow, to fail, to send each notification more than once,
and to accept payments after a code's expiry, so tests meet the failures of a real provider
over real HTTP. Standard library only (plus httpx to notify): it runs in a thread or a process.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from loket.domain.payment import SIGNATURE_HEADER, sign, signature_ok

CODES_PATH = "/v1/billing-codes"
NOTIFY_ATTEMPTS = 3


@dataclass
class Behaviour:
    """What the simulator is told to do (POST /control changes it)."""

    mode: str = "ok"  # ok, fail (503 to every code request), slow (answer after delay_s)
    delay_s: float = 0.0
    copies: int = 1  # notifications sent per payment: more than one is a duplicate delivery
    accept_late: bool = False  # accept payments after the code's expiry
    notify: bool = True  # False: payments are recorded but Loket is not told (a lost notification)


@dataclass
class BillingSimulator:
    """The simulated billing service; `start()` serves it on 127.0.0.1:`port` in a thread."""

    secret: str
    notify_url: str = ""
    port: int = 0
    host: str = "127.0.0.1"
    behaviour: Behaviour = field(default_factory=Behaviour)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_reference: dict[str, str] = field(default_factory=dict)
    code_requests: int = 0
    notifications: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None, "start() first"
        return f"http://{self.host}:{self.server.server_address[1]}"

    # --- The contract ------------------------------------------------------------------------

    def issue(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A code for a reference (the same one again for the same reference)."""
        try:
            reference = str(data["reference"])
            amount = int(data["amount"])
            expires_at = datetime.fromisoformat(str(data["expires_at"]))
        except (KeyError, TypeError, ValueError) as exc:
            return 422, {"error": "invalid", "message": str(exc)}
        if amount <= 0 or expires_at.tzinfo is None or not reference:
            return 422, {"error": "invalid", "message": "amount > 0, expires_at with its zone, a reference"}
        with self.lock:
            self.code_requests += 1
            code = self.by_reference.get(reference)
            if code is None:
                code = f"9{secrets.randbelow(10**14):014d}"
                self.by_reference[reference] = code
                self.codes[code] = {
                    "billing_code": code,
                    "reference": reference,
                    "office": data.get("office"),
                    "payer": data.get("payer"),
                    "amount": amount,
                    "expires_at": expires_at.isoformat(),
                    "status": "unpaid",
                    "payments": [],
                }
            return 200, self._public(self.codes[code])

    def _public(self, row: dict[str, Any]) -> dict[str, Any]:
        last = row["payments"][-1] if row["payments"] else {}
        return {
            "billing_code": row["billing_code"],
            "status": row["status"],
            "amount": row["amount"],
            "expires_at": row["expires_at"],
            "ntpn": last.get("ntpn"),
            "paid_at": last.get("paid_at"),
            "bank": last.get("bank"),
        }

    def pay(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A payment at a bank: recorded with a fresh NTPN, then told to Loket (signed)."""
        code = str(data.get("billing_code", "")).strip()
        with self.lock:
            row = self.codes.get(code)
            if row is None:
                return 404, {"error": "unknown_billing_code"}
            try:
                amount = int(data.get("amount") or row["amount"])
                paid_at = (
                    datetime.fromisoformat(str(data["paid_at"])) if data.get("paid_at") else datetime.now(UTC)
                )
            except (TypeError, ValueError) as exc:
                return 422, {"error": "invalid", "message": str(exc)}
            if paid_at.tzinfo is None:
                return 422, {"error": "invalid", "message": "paid_at needs its zone"}
            late = paid_at > datetime.fromisoformat(row["expires_at"])
            if late and not (self.behaviour.accept_late or data.get("late") in (True, "1", "true", "on")):
                return 409, {"error": "expired", "message": "the billing code has expired"}
            payment = {
                "billing_code": code,
                "ntpn": str(data.get("ntpn") or secrets.token_hex(8).upper()),
                "amount": amount,
                "paid_at": paid_at.isoformat(),
                "bank": str(data.get("bank") or "BNI").upper(),
            }
            row["payments"].append(payment)
            row["status"] = "paid"
            copies = max(1, self.behaviour.copies)
        answers = [self.notify(payment) for _ in range(copies)] if self.behaviour.notify else []
        return 200, {**payment, "late": late, "deliveries": answers}

    def notify(self, payment: dict[str, Any]) -> dict[str, Any]:
        """Post one signed notification to Loket, retried a few times; what Loket answered last."""
        body = json.dumps(payment).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)}
        answer: dict[str, Any] = {"status": None, "body": None}
        for attempt in range(NOTIFY_ATTEMPTS):
            try:
                response = httpx.post(self.notify_url, content=body, headers=headers, timeout=10)
                answer = {"status": response.status_code, "body": response.json()}
                if response.status_code < 500:
                    break
            except (httpx.HTTPError, ValueError) as exc:
                answer = {"status": None, "body": str(exc)}
            time.sleep(0.2 * (attempt + 1))
        with self.lock:
            self.notifications.append({"payment": payment, **answer})
        return answer

    def control(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        b = self.behaviour
        mode = data.get("mode", b.mode)
        if mode not in ("ok", "fail", "slow"):
            return 422, {"error": "invalid", "message": "mode is ok, fail or slow"}
        b.mode = mode
        b.delay_s = float(data.get("delay_s", b.delay_s))
        b.copies = int(data.get("copies", b.copies))
        b.accept_late = bool(data.get("accept_late", b.accept_late))
        b.notify = bool(data.get("notify", b.notify))
        return 200, vars(b).copy()

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "behaviour": vars(self.behaviour).copy(),
                "code_requests": self.code_requests,
                "codes": [self._public(r) | {"reference": r["reference"]} for r in self.codes.values()],
                "notifications": list(self.notifications),
            }

    # --- The server --------------------------------------------------------------------------

    def start(self) -> BillingSimulator:
        """Serve in a daemon thread; `stop()` ends it."""
        self.server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def serve_forever(self) -> None:
        self.server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self.server.serve_forever()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


PAGE = """<!doctype html><html lang="id"><meta charset="utf-8"><title>Billing simulator</title>
<h1>Billing simulator</h1><p>Pay a billing code, as at a bank teller.</p>
<form method="post" action="/pay"><label>Billing code <input name="billing_code" required></label>
<label>Amount <input name="amount" inputmode="numeric"></label>
<label>Bank <input name="bank" value="BNI"></label>
<label><input type="checkbox" name="late" value="1"> accept after expiry</label>
<button>Pay</button></form><h2>Codes</h2><ul>{rows}</ul></html>"""


def _handler(sim: BillingSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, data: dict[str, Any]) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _signed(self, signed: bytes) -> bool:
            if signature_ok([sim.secret], signed, self.headers.get(SIGNATURE_HEADER)):
                return True
            self._answer(401, {"error": "bad_signature"})
            return False

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/":
                rows = "".join(
                    f"<li>{html.escape(c['billing_code'])} Rp {c['amount']} {html.escape(c['status'])}</li>"
                    for c in sim.state()["codes"]
                )
                raw = PAGE.format(rows=rows).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            elif path == "/v1/state":
                self._answer(200, sim.state())
            elif path.startswith(CODES_PATH + "/"):
                if not self._signed(f"GET {path}".encode()):
                    return
                row = sim.codes.get(path.rsplit("/", 1)[1])
                self._answer(200, sim._public(row)) if row else self._answer(404, {"error": "unknown"})
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
            if path == CODES_PATH:
                if not self._signed(raw):
                    return
                if sim.behaviour.mode == "fail":
                    self._answer(503, {"error": "unavailable"})
                    return
                if sim.behaviour.mode == "slow":
                    time.sleep(sim.behaviour.delay_s)
                try:
                    data = json.loads(raw)
                except ValueError:
                    self._answer(422, {"error": "invalid", "message": "not JSON"})
                    return
                self._answer(*sim.issue(data if isinstance(data, dict) else {}))
                return
            data = _body(self.headers.get("Content-Type", ""), raw)
            if path == "/pay":
                self._answer(*sim.pay(data))
            elif path == "/control":
                self._answer(*sim.control(data))
            else:
                self._answer(404, {"error": "not_found"})

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _body(content_type: str, raw: bytes) -> dict[str, Any]:
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
