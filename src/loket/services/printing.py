"""Queue tickets on a thermal printer over the network: ESC/POS (python-escpos) to port 9100.

The kiosk prints after the check-in has committed: a printer fault never undoes a ticket, it
becomes the kiosk's fault (services/kiosks.py) and the ticket is still shown on screen, with the
browser's 80 mm print as the fallback. Printing blocks on a socket, so it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from escpos.exceptions import Error as EscposError
from escpos.printer import Network

# A kiosk must not keep an applicant in front of it for long when the printer is away.
PRINT_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class PrintedTicket:
    """What the slip says; every text already in the applicant's language and the office's zone."""

    office: str
    ticket: str
    category: str
    issued_at: str
    ahead: str
    status_url: str
    footer: str


class PrinterFault(Exception):
    """The printer did not take the ticket; `reason` says why, for the supervisor."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The paper sensor's answer (python-escpos): 0 no paper, 1 near its end, 2 enough.
NO_PAPER = 0


def _send(host: str, port: int, slip: PrintedTicket, timeout: float) -> None:
    printer = Network(host, port, timeout=timeout)
    try:
        printer.open()
    except (EscposError, OSError) as exc:
        raise PrinterFault("unreachable") from exc
    try:
        try:
            paper = printer.paper_status()
        except (TimeoutError, OSError) as exc:
            raise PrinterFault("not_answering") from exc
        if paper == NO_PAPER:
            raise PrinterFault("no_paper")
        printer.set(align="center", bold=True)
        printer.text(slip.office + "\n\n")
        printer.set(align="center", bold=True, custom_size=True, width=4, height=4)
        printer.text(slip.ticket + "\n")
        printer.set(align="center", normal_textsize=True)
        printer.text(slip.category + "\n")
        printer.text(slip.issued_at + "\n")
        printer.text(slip.ahead + "\n\n")
        printer.set(align="center")
        printer.qr(slip.status_url, size=6, native=True)
        printer.text(slip.footer + "\n")
        printer.cut()
    except (EscposError, OSError) as exc:
        raise PrinterFault("not_answering") from exc
    finally:
        printer.close()


async def print_ticket(host: str, port: int, slip: PrintedTicket, timeout: float = PRINT_TIMEOUT_S) -> None:
    """Print the slip, or raise PrinterFault (unreachable, not answering, no paper)."""
    await asyncio.to_thread(_send, host, port, slip, timeout)
