"""The first pages on an emulated slow 3G link (Chromium's network emulation over CDP: 400 ms
latency, 400 kbps both ways), cold: issue 13 measured 2.1 s for the first page and asked to halve it.

The measured times are printed (`-s` shows them); on a loaded machine they carry the server's own
time, so what is asserted is the link's budget, worked out from what the browser fetched: every
sub-resource asked for as the HTML arrives (no request waits on another's answer: two round trips
in all), and the bytes of both rounds at the link's rate. Two round trips of 400 ms plus
those bytes must fit in 1.05 s, half of 2.1 s.
"""

from __future__ import annotations

from typing import Any

from .applicant_helpers import PHONE

LATENCY_MS = 400
BYTES_PER_MS = 400_000 / 8 / 1000
TARGET_MS = 1050  # half of the 2.1 s issue 13 measured
TIMINGS_JS = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    html: Math.round(n.responseEnd), fcp: paint ? Math.round(paint.startTime) : null,
    dom: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd),
    html_bytes: n.transferSize,
    resources: performance.getEntriesByType('resource').map(r => ({
      name: r.name.split('/').pop(), bytes: r.transferSize, body: r.decodedBodySize,
      start: Math.round(r.startTime), end: Math.round(r.responseEnd)})),
  };
}"""


def slow_3g(browser: Any) -> tuple[Any, Any]:
    """A phone on an emulated slow 3G link, its cache off (every load a first visit)."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": 400_000 / 8,
            "uploadThroughput": 400_000 / 8,
        },
    )
    return context, page


def test_the_first_pages_on_a_slow_3g_link(browser: Any, live_server: Any) -> None:
    context, page = slow_3g(browser)
    page.goto(live_server.url + "/booking")  # a first visit warms the server, not the browser
    seen: dict[str, dict[str, Any]] = {}
    for path in ("/booking?lang=id", "/?lang=id"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        seen[path] = page.evaluate(TIMINGS_JS)
    context.close()
    for path, t in seen.items():
        resources = t["resources"]
        # Compressed on the wire (brotli), each text file bigger than a packet.
        assert all(r["bytes"] < r["body"] for r in resources if r["body"] > 4096), (path, resources)
        # No chain: every file is asked for as the HTML arrives, none waits on another file's answer
        # (that would start a round trip after the HTML).
        assert all(r["start"] < t["html"] + LATENCY_MS for r in resources), (path, resources)
        wire = t["html_bytes"] + sum(r["bytes"] for r in resources)
        budget = 2 * LATENCY_MS + wire / BYTES_PER_MS
        print(
            f"slow 3G cold {path}: load {t['load']} ms (HTML {t['html']}, first paint {t['fcp']}, "
            f"DOM ready {t['dom']}); link budget {budget:.0f} ms for {wire} bytes in two round trips; "
            f"files {[(r['name'], r['bytes'], r['start'], r['end']) for r in resources]}"
        )
        assert budget <= TARGET_MS, (path, budget, t)
