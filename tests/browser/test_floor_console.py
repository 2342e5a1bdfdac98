"""The office floor at its counters, in a real browser: a kiosk whose printer is unreachable still
issues the ticket (with the browser print offered) and its fault shows on the supervisor's view,
in the office's time; the officer console at 1280x800 keeps the queue in view, shows each
station's state on its tab, answers the keyboard (N call next, R recall, C complete), shows the
recall count and offers only the outcomes of the station's stage."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .applicant_helpers import shot
from .floor_screens import Restartable, add_staff, free_port, set_up_office, sign_in


@pytest.fixture
def server(tmp_path: Path, demo_file: Path) -> Iterator[Restartable]:
    shutil.copyfile(demo_file, tmp_path / "loket.db")
    env = {**os.environ, "LOKET_DATABASE_URL": f"sqlite:///{tmp_path / 'loket.db'}"}
    live = Restartable(free_port(), env, tmp_path)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_kiosk_fault_supervisor_and_console(server: Restartable, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    booking = set_up_office(server)
    add_staff(server, "sari", "supervisor")
    add_staff(server, "budi", "officer")

    boss = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    supervisor = boss.new_page()
    sign_in(supervisor, server.url, "sari", "/offices/TST/floor/supervisor")
    form = "form[hx-post$='/supervisor/kiosks']"
    supervisor.fill(f"{form} input[name=name]", "Pintu Masuk")
    supervisor.fill(f"{form} input[name=printer]", f"127.0.0.1:{free_port()}")  # nobody listens there
    supervisor.locator(f"{form} button[type=submit]").click()
    link = supervisor.locator("#kiosk-link").inner_text()

    # A landscape kiosk, typed in (no camera): the ticket is issued, the printer is not there.
    stand = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="id-ID")
    kiosk = stand.new_page()
    kiosk.goto(link)
    kiosk.locator("[data-show=kiosk-checkin]").click()
    kiosk.fill("#kiosk-code", booking["booking_code"].split("-", 1)[1])
    kiosk.fill("#kiosk-nik", booking["nik"])
    kiosk.locator("#kiosk-checkin button[type=submit]").click()
    expect(kiosk.locator("#issued-ticket")).to_have_text("A-001")
    expect(kiosk.locator("[data-print]")).to_be_visible()
    shot(kiosk, "floor-kiosk-1920x1080-ticket", tmp_path)
    # The 80 mm print shows the ticket and nothing of the screen around it.
    kiosk.emulate_media(media="print")
    expect(kiosk.locator(".kiosk-ticket-number")).to_be_visible()
    assert kiosk.locator("[data-print]").evaluate("n => getComputedStyle(n).display") == "none"
    assert kiosk.locator(".kiosk-head").evaluate("n => getComputedStyle(n).visibility") == "hidden"
    stand.close()

    faults = supervisor.locator("#kiosk-faults")
    expect(faults).to_contain_text("Pintu Masuk", timeout=8000)
    expect(faults).to_contain_text("Printer tidak terjangkau")
    # The fault's start in the office's time (the test office is about 11:00 local), never UTC.
    assert "UTC" not in faults.inner_text()
    with sqlite3.connect(server.workdir / "loket.db") as conn:
        [(zone,)] = conn.execute("SELECT timezone FROM offices WHERE code = 'TST'").fetchall()
    conn.close()
    now = datetime.now(UTC)
    hours = {(now - timedelta(minutes=m)).astimezone(ZoneInfo(zone)).strftime("%H.") for m in (0, 5)}
    assert any(f"sejak {h}" in faults.inner_text() for h in hours), (faults.inner_text(), hours)

    officer = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    console = officer.new_page()
    sign_in(console, server.url, "budi", "/offices/TST/floor/console?station=INT1")
    console.locator("button[hx-post$='/INT1/open']").click()
    expect(console.locator(".floor-stations a[href='?station=INT1']")).to_have_attribute("data-state", "open")
    expect(console.locator(".floor-stations a[href='?station=INT2']")).to_have_attribute(
        "data-state", "closed"
    )
    # The queue is in view beside the station, not below the fold.
    queue = console.locator(".console-queue")
    expect(queue).to_contain_text("A-001")
    box = queue.bounding_box()
    assert box is not None and box["y"] + 40 < 800 and box["x"] > 500, box

    console.keyboard.press("n")
    expect(console.locator("#current-ticket")).to_have_text("A-001")
    expect(console.locator(".floor-stations a[href='?station=INT1'] .tab-ticket")).to_have_text("A-001")
    expect(console.locator("#recall-count")).to_have_attribute("data-recalls", "0")
    console.keyboard.press("r")
    expect(console.locator("#recall-count")).to_have_attribute("data-recalls", "1")
    expect(console.locator("#recall-count")).to_have_text("Dipanggil ulang 1 kali")
    expect(console.locator("#called-since")).to_contain_text("menit lalu")
    # Intake: its own outcomes (no reprint, which belongs to the quality check) and checklist.
    outcomes = console.locator("#complete-form input[name=outcome]")
    assert sorted(outcomes.evaluate_all("els => els.map(e => e.value)")) == ["done", "incomplete", "rejected"]
    expect(console.locator("#missing-documents")).to_be_visible()
    expect(console.locator(".checklist")).to_contain_text("KTP sesuai")
    shot(console, "floor-console-1280x800", tmp_path)

    console.keyboard.press("c")
    expect(console.locator("#current-ticket")).to_have_count(0)
    expect(console.locator("button[data-key=n]")).to_be_visible()
    shot(supervisor, "floor-supervisor-1280x800", tmp_path)
    boss.close()
    officer.close()
