"""The self-service kiosk in a real browser, portrait 1080x1920: a supervisor registers the kiosk
(a device token, no staff login), the kiosk opens its one-time link, an applicant shows the QR of
a real, paid booking to Chromium's fake camera (a y4m video this test makes from the QR), types
the NIK on the on-screen keypad and gets a ticket; after the reset delay nothing of that person
is left: not in the DOM, the URL, the history, the form values or the page's storage."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno

from loket.testing.applicants import applicant

from .applicant_helpers import shot
from .floor_screens import Restartable, add_staff, free_port, set_up_office, sign_in

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]
RESET_S = 4
WIDTH, HEIGHT = 640, 480


def qr_video(text: str, path: Path, frames: int = 8) -> Path:
    """A y4m (YUV 4:2:0) video of the QR code of `text`, black on white, centred: what Chromium's
    fake camera plays in a loop."""
    qr = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    scale = min(WIDTH, HEIGHT) * 8 // 10 // len(matrix)
    size = scale * len(matrix)
    left, top = (WIDTH - size) // 2, (HEIGHT - size) // 2
    luma = bytearray(b"\xeb" * (WIDTH * HEIGHT))  # video white (235)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + y * scale + dy) * WIDTH + left + x * scale
                    luma[start : start + scale] = b"\x10" * scale  # video black (16)
    chroma = b"\x80" * (WIDTH * HEIGHT // 4)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


@pytest.fixture
def server(tmp_path: Path, demo_file: Path) -> Iterator[Restartable]:
    shutil.copyfile(demo_file, tmp_path / "loket.db")
    env = {
        **os.environ,
        "LOKET_DATABASE_URL": f"sqlite:///{tmp_path / 'loket.db'}",
        "LOKET_KIOSK_RESET_S": str(RESET_S),
    }
    live = Restartable(free_port(), env, tmp_path)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def register_kiosk(browser: Any, server: Restartable) -> str:
    """A supervisor registers a kiosk on the floor view; the one-time set-up link."""
    from playwright.sync_api import expect

    add_staff(server, "sari", "supervisor")
    context = browser.new_context(locale="id-ID")
    page = context.new_page()
    sign_in(page, server.url, "sari", "/offices/TST/floor/supervisor")
    page.fill("form[hx-post$='/supervisor/kiosks'] input[name=name]", "Kios Lobi")
    page.locator("form[hx-post$='/supervisor/kiosks'] button[type=submit]").click()
    expect(page.locator("#kiosk-link")).to_contain_text("/offices/TST/kiosk?token=")
    link = page.locator("#kiosk-link").inner_text()
    expect(page.locator("#kiosks [data-kiosk]")).to_have_count(1, timeout=7000)
    context.close()
    return link


TRACE_JS = """() => ({
  html: document.documentElement.outerHTML,
  url: location.href,
  history: history.length,
  values: Array.from(document.querySelectorAll("input, select, textarea"))
    .filter(e => e.type !== "hidden" && e.type !== "radio").map(e => e.value),
  checked: Array.from(document.querySelectorAll("input[type=radio]")).filter(e => e.checked).length,
  storage: sessionStorage.length + localStorage.length,
})"""


def test_scan_check_in_and_the_reset(server: Restartable, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    booking = set_up_office(server)
    person = applicant(7)
    link = register_kiosk(browser, server)
    video = qr_video(booking["booking_code"], tmp_path / "qr.y4m")

    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera.new_context(viewport={"width": 1080, "height": 1920}, locale="id-ID", has_touch=True)
        context.grant_permissions(["camera"], origin=server.url)
        page = context.new_page()
        page.goto(link)
        # The token went into a cookie and out of the address bar (a 303 to the bare URL).
        assert page.url == server.url + "/offices/TST/kiosk"
        # No site navigation, no officer's statement on a self-service screen.
        assert page.locator("a, nav, header.top").count() == 0
        assert page.locator("input[name=verified_in_person]").count() == 0
        expect(page.locator("#kiosk-start")).to_be_visible()
        before = page.evaluate(TRACE_JS)
        shot(page, "floor-kiosk-1080x1920-start", tmp_path)

        page.locator("[data-show=kiosk-checkin]").click()
        expect(page.locator("#kiosk-keypad")).to_be_visible()
        # The camera reads the booking's QR: the code (after the office's prefix) is filled in.
        code_tail = booking["booking_code"].split("-", 1)[1]
        expect(page.locator("#kiosk-code")).to_have_value(code_tail, timeout=15_000)
        expect(page.locator("#kiosk")).to_have_attribute("data-scanned", "yes")
        # The NIK on the on-screen keypad (the letters are hidden while a digits field is active).
        expect(page.locator("#kiosk-keypad")).to_have_attribute("data-digits", "yes")
        for digit in booking["nik"]:
            page.locator(f"#kiosk-keypad [data-key='{digit}']").tap()
        expect(page.locator("#kiosk-nik")).to_have_value(booking["nik"])
        page.locator("#kiosk-checkin button[type=submit]").tap()

        expect(page.locator("#issued-ticket")).to_have_text("A-001")
        expect(page.locator(".kiosk-ticket")).to_contain_text("Orang sebelum Anda: 0")
        # No printer on this kiosk: the browser's 80 mm print is offered.
        expect(page.locator("[data-print]")).to_be_visible()
        expect(page.locator("#kiosk-nik")).to_have_value("")
        shot(page, "floor-kiosk-1080x1920-ticket", tmp_path)

        # After the reset delay the kiosk starts over by itself.
        expect(page.locator("#kiosk-start")).to_be_visible(timeout=(RESET_S + 5) * 1000)
        expect(page.locator("#issued-ticket")).to_have_count(0)
        after = page.evaluate(TRACE_JS)
        for trace in (booking["booking_code"], code_tail, booking["nik"], person.full_name, "A-001"):
            assert trace not in after["html"], trace
            assert trace not in after["url"], trace
        assert after["url"] == before["url"]
        assert after["history"] == before["history"]  # check-in and reset added no entry
        assert set(after["values"]) == {""} and after["checked"] == 0
        assert after["storage"] == 0

        # A priority walk-in typed on the keypad, letters and all. The test office has no priority
        # quota today: the kiosk says so in Indonesian, keeps what was typed for another try, and
        # "Batal" starts over without a trace.
        walker = applicant(8)
        page.locator("[data-show=kiosk-walkin]").tap()
        page.locator("#kiosk-walkin input[value=disabled]").check()
        page.locator("#kiosk-walkin-nik").tap()
        for digit in walker.nik:
            page.locator(f"#kiosk-keypad [data-key='{digit}']").tap()
        page.locator("#kiosk-walkin-name").tap()
        expect(page.locator("#kiosk-keypad")).to_have_attribute("data-digits", "no")
        for letter in walker.full_name.upper():
            page.locator(f"#kiosk-keypad [data-key='{letter}']").tap()
        expect(page.locator("#kiosk-walkin-name")).to_have_value(walker.full_name.upper())
        page.locator("#kiosk-walkin button[type=submit]").tap()
        expect(page.locator(".kiosk-error")).to_contain_text("Kuota prioritas hari ini sudah habis")
        expect(page.locator(".kiosk-error")).to_have_attribute("data-field", "priority_reason")
        page.locator("[data-back]").tap()
        expect(page.locator("#kiosk-walkin-nik")).to_have_value(walker.nik)
        page.locator("#kiosk-walkin [data-reset]").tap()
        expect(page.locator("#kiosk-start")).to_be_visible()
        again = page.evaluate(TRACE_JS)
        assert walker.nik not in again["html"] and walker.full_name.upper() not in again["html"]
        assert set(again["values"]) == {""} and again["checked"] == 0
        assert again["history"] == before["history"]
        context.close()
    finally:
        camera.close()
