"""The floor in a real browser: an officer signs in, checks an applicant in at the kiosk, calls
next, and the waiting-room board in a second browser shows the number within 2 seconds; a
station marked down disappears from the board."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

PASSWORD = "rahasia-kantor-1"


def test_check_in_call_and_the_board(browser: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    made = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("floor_setup.py"))],
        env=live_server.env,
        cwd=live_server.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    booking = json.loads(made.stdout.strip().splitlines()[-1])
    added = live_server.loket(
        "staff",
        "add",
        "--office",
        "TST",
        "--role",
        "officer",
        "--username",
        "budi",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout

    officer = browser.new_context(locale="id-ID")
    page = officer.new_page()
    page.goto(live_server.url + "/offices/TST/floor/kiosk")
    assert "/staff/login" in page.url
    page.fill("#username", "budi")
    page.fill("#password", PASSWORD)
    page.locator("form[action='/staff/login'] button[type=submit]").click()
    page.wait_for_url("**/floor/kiosk")
    page.fill("#booking_code", booking["booking_code"])
    page.fill("#nik", booking["nik"])
    page.locator("form[hx-post$='/floor/kiosk'] button[type=submit]").click()
    expect(page.locator("#issued-ticket")).to_have_text("A-001")

    tv = browser.new_context(locale="id-ID")
    board = tv.new_page()
    board.goto(live_server.url + "/offices/TST/board")
    expect(board.locator("#board-counters")).to_be_attached()

    page.goto(live_server.url + "/offices/TST/floor/console?station=INT1")
    page.locator("button[hx-post$='/INT1/open']").click()
    expect(board.locator(".board-counter[data-station='INT1']")).to_be_visible(timeout=2000)
    page.locator("button[hx-post$='/INT1/call']").click()
    expect(page.locator("#current-ticket")).to_have_text("A-001")
    expect(board.locator("#board-calls .board-ticket").first).to_have_text("A-001", timeout=2000)
    expect(board.locator(".board-counter[data-station='INT1'] .board-ticket")).to_have_text(
        "A-001", timeout=2000
    )

    page.fill("form[hx-post$='/INT1/down'] input[name=reason]", "Kamera rusak")
    page.locator("form[hx-post$='/INT1/down'] button[type=submit]").click()
    expect(board.locator(".board-counter[data-station='INT1']")).to_have_count(0, timeout=2000)
    officer.close()
    tv.close()
