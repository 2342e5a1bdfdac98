"""A fake ESC/POS network printer for the tests: a TCP server on a free loopback port that
answers the paper-status query (DLE EOT 4) the way a printer does, or not at all, keeps every
byte it was sent, and decodes them back into the ticket's lines and its QR code's text."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

PAPER_OK = b"\x12"  # DLE EOT 4 answer: paper adequate (python-escpos RT_MASK_PAPER)
PAPER_OUT = b"\x72"  # paper end sensor set (RT_MASK_NOPAPER)


@dataclass
class FakePrinter:
    """`answer` is what it replies to the paper query: PAPER_OK, PAPER_OUT, or None (silent)."""

    answer: bytes | None = PAPER_OK
    received: bytearray = field(default_factory=bytearray)
    jobs: int = 0

    def __post_init__(self) -> None:
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(4)
        self.port = int(self._server.getsockname()[1])
        self._done = threading.Event()
        self._kept = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._server.settimeout(0.2)
        while not self._done.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                job = bytearray()
                try:
                    while chunk := conn.recv(4096):
                        job.extend(chunk)
                        if b"\x10\x04\x04" in chunk and self.answer is not None:
                            conn.sendall(self.answer)
                except OSError:
                    pass
                with self._kept:
                    self.received.extend(job)
                    self.jobs += 1
                    self._kept.notify_all()

    def wait_for_jobs(self, count: int, timeout: float = 10.0) -> bytes:
        """Every byte received once `count` jobs are kept. A job is kept when the printer sees its
        connection close, a moment after the client has closed it and gone on: reading `received`
        straight after a print races with this thread."""
        with self._kept:
            if not self._kept.wait_for(lambda: self.jobs >= count, timeout):
                raise AssertionError(f"the printer kept {self.jobs} jobs, not {count}, in {timeout} s")
            return bytes(self.received)

    def close(self) -> None:
        self._done.set()
        self._server.close()
        self._thread.join(timeout=5)


@dataclass
class Decoded:
    lines: list[str]
    qr: list[str]
    cut: bool
    large: list[str]  # lines printed after a character-size command larger than normal


def decode(data: bytes) -> Decoded:
    """The text lines, the QR codes' contents and whether the paper was cut. Strict: an ESC/POS
    command it does not know fails the test, so a change of what is sent is noticed."""
    lines: list[str] = []
    qr: list[str] = []
    large: list[str] = []
    cut = False
    text = bytearray()
    big = False
    i = 0

    def flush() -> None:
        nonlocal text
        if text:
            line = text.decode("cp437")
            lines.append(line)
            if big:
                large.append(line)
        text = bytearray()

    while i < len(data):
        b = data[i]
        if b == 0x10 and data[i + 1] == 0x04:  # DLE EOT n: a status query
            i += 3
        elif b == 0x1B:  # ESC x n
            command = chr(data[i + 1])
            if command == "@":
                i += 2
                continue
            assert command in "EatM!-dG{3J", f"unknown ESC {command!r}"
            if command == "!":
                big = data[i + 2] & 0x30 != 0
            if command == "d":
                flush()
            i += 3
        elif b == 0x1D:  # GS
            command = chr(data[i + 1])
            if command == "!":
                big = data[i + 2] != 0
                i += 3
            elif command == "V":
                flush()
                cut = True
                i += 3 if data[i + 2] in (0, 1, 48, 49) else 4
            elif command == "(" and chr(data[i + 2]) == "k":
                size = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5 : i + 5 + size]
                if body[:3] == b"1P0":  # store the QR symbol's data
                    qr.append(body[3:].decode())
                i += 5 + size
            else:
                raise AssertionError(f"unknown GS {command!r}")
        elif b == 0x0A:
            flush()
            i += 1
        else:
            text.append(b)
            i += 1
    flush()
    return Decoded([line for line in lines if line.strip()], qr, cut, large)
