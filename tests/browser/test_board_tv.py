"""The waiting-room TV in a real browser at 1920x1080: no site chrome, the empty state, a new call
on the board within a second with its number at least 12% of the screen's height, the clock in
the office's zone (the TV itself set to another zone), the waiting count, the call spoken in
Indonesian, and the board finding its server again after the server restarts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .applicant_helpers import shot
from .floor_screens import Restartable, add_staff, check_in, free_port, set_up_office, sign_in

# The flags of a TV's browser (docs/floor.md), less --kiosk, which headless has no use for.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]
TV_ARGS = ["--autoplay-policy=no-user-gesture-required"]

# Records what the board hands to the speech synthesizer (the browser still speaks it).
RECORD_SPEECH = """
window.__spoken = [];
const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
window.speechSynthesis.speak = (u) => {
  window.__spoken.push(u.lang + "|" + u.text);
  try { speak(u); } catch (e) {}
};
"""


def spoken(page: Any, count: int, within_ms: int) -> None:
    """Wait until the board has spoken `count` calls (the page's CSP forbids wait_for_function)."""
    for _ in range(within_ms // 100):
        if page.evaluate("() => window.__spoken.length") >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(page.evaluate("() => window.__spoken"))


@pytest.fixture
def server(tmp_path: Path, demo_file: Path) -> Iterator[Restartable]:
    import os

    shutil.copyfile(demo_file, tmp_path / "loket.db")
    env = {**os.environ, "LOKET_DATABASE_URL": f"sqlite:///{tmp_path / 'loket.db'}"}
    live = Restartable(free_port(), env, tmp_path)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_the_tv_board(server: Restartable, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    booking = set_up_office(server)
    add_staff(server, "budi", "officer")

    # The TV's own zone must differ from the office's: the test office is set where it is about
    # 11:00 now (floor_setup.zone_for_midday), which from 16:00 to 17:00 UTC in winter is New
    # York's own offset, so New York is taken only when it is some hours off.
    tv_zone = "America/New_York"
    now = datetime.now(UTC)
    if abs(now.astimezone(ZoneInfo(tv_zone)).hour - 11) < 3:
        tv_zone = "Asia/Tokyo"  # UTC+9: then 11:00 is some fourteen hours away
    # The TV is a browser of its own, launched with the TV's flags.
    tv_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *TV_ARGS]
    )
    try:
        tv = tv_browser.new_context(
            viewport={"width": 1920, "height": 1080}, locale="id-ID", timezone_id=tv_zone
        )
        tv.add_init_script(RECORD_SPEECH)
        board = tv.new_page()
        board.goto(server.url + "/offices/TST/board")

        # No site chrome: no header, no language links, no link at all to leave by.
        assert board.locator("header.top, nav, a").count() == 0
        expect(board.locator("#board-empty")).to_be_visible()
        expect(board.locator("#board-no-calls")).to_be_visible()
        # Sound is on by itself under the TV's autoplay flag: no switch to press.
        expect(board.locator("#board-sound")).to_be_hidden()

        # The clock shows the office's time, not the TV's own zone nor UTC.
        zone = ZoneInfo(board.locator("#board").get_attribute("data-timezone") or "")
        expect(board.locator("#board-clock")).not_to_have_text("--.--")
        shown = board.locator("#board-clock").inner_text()
        now = datetime.now(UTC)
        allowed = {(now + timedelta(minutes=d)).astimezone(zone).strftime("%H.%M") for d in (-1, 0, 1)}
        assert shown in allowed, (shown, allowed)
        assert shown not in {
            (now + timedelta(minutes=d)).astimezone(ZoneInfo(tv_zone)).strftime("%H.%M") for d in (-1, 0, 1)
        }

        assert check_in(server, booking) == "A-001"
        expect(board.locator(".board-waiting-item[data-category=regular] .board-count")).to_have_text(
            "1", timeout=3000
        )

        officer = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
        console = officer.new_page()
        sign_in(console, server.url, "budi", "/offices/TST/floor/console?station=INT1")
        console.locator("button[hx-post$='/INT1/open']").click()
        expect(board.locator(".board-counter[data-station='INT1']")).to_be_visible(timeout=1000)
        expect(board.locator("#board-empty")).to_be_hidden()

        console.locator("button[hx-post$='/INT1/call']").click()
        expect(console.locator("#current-ticket")).to_have_text("A-001")
        number = board.locator(".board-counter[data-station='INT1'] .board-ticket")
        expect(number).to_have_text("A-001", timeout=1000)
        expect(board.locator("#board-calls .board-ticket").first).to_have_text("A-001")
        expect(board.locator(".board-waiting-item[data-category=regular] .board-count")).to_have_text("0")
        size = number.evaluate(
            "n => { const r = n.getBoundingClientRect();"
            " return {font: parseFloat(getComputedStyle(n).fontSize),"
            " top: r.top, bottom: r.bottom, left: r.left, right: r.right}; }"
        )
        assert size["font"] >= 0.12 * 1080, size
        assert size["top"] >= 0 and size["bottom"] <= 1080 and size["left"] >= 0 and size["right"] <= 1920, (
            size
        )
        spoken(board, 1, 3000)
        assert board.evaluate("window.__spoken") == ["id-ID|Nomor antrean A 0 0 1, silakan ke Loket 1"]

        board.wait_for_timeout(2600)  # the picture after the new call's blink, not in the middle of it
        shot(board, "floor-board-1920x1080", tmp_path)

        # The server restarts: the board says it lost the server, then finds it again by itself.
        server.stop()
        expect(board.locator("#board-lost")).to_be_visible(timeout=10_000)
        server.start()
        expect(board.locator("#board-lost")).to_be_hidden(timeout=15_000)
        console.locator("button[hx-post$='/INT1/recall']").click()
        spoken(board, 2, 5000)
        assert board.evaluate("window.__spoken[1]") == "id-ID|Nomor antrean A 0 0 1, silakan ke Loket 1"
        officer.close()
        tv.close()
    finally:
        tv_browser.close()
