"""Helpers of the applicant browser tests: a phone-sized context, page weight, screenshots."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .axe_helpers import with_axe

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "id-ID", "device_scale_factor": 1}
WEIGHT_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource').filter(r => !r.name.includes('/booking-qr/'));
  return nav.transferSize + res.reduce((sum, r) => sum + r.transferSize, 0);
}"""


def phone_page(browser: Any, hosts: set[str]) -> tuple[Any, Any]:
    """A phone-sized page (id-ID) with the cache off, so every page is weighed as a first visit."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    return context, page


def axe_phone_page(browser: Any) -> tuple[Any, Any]:
    """A phone-sized page (id-ID) with axe-core and the cache off (each page weighed cold)."""
    context = with_axe(browser.new_context(**PHONE))
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    return context, page


def weigh(page: Any, weights: dict[str, int], name: str) -> None:
    """Bytes this page moved over the wire (HTML, CSS, scripts; not the QR image)."""
    page.wait_for_load_state("load")
    weights[name] = int(page.evaluate(WEIGHT_JS))


def shot(page: Any, name: str, tmp_path: Path) -> Path:
    """A PNG of the page: into docs/screenshots/ when LOKET_SCREENSHOTS=1, else the test's tmp dir."""
    folder = ROOT / "docs" / "screenshots" if os.environ.get("LOKET_SCREENSHOTS") == "1" else tmp_path
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path
