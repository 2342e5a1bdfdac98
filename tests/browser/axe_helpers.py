"""axe-core in the browser tests: injected into every page of a context (an init script, so the
app's strict CSP does not apply to it), run on the page as it stands, serious and critical
violations returned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def with_axe(context: Any) -> Any:
    """Give every page of `context` the axe-core engine."""
    context.add_init_script(path=str(AXE))
    return context


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """The page's serious and critical axe-core violations (empty when it passes)."""
    page.wait_for_load_state("load")
    return list(page.evaluate(RUN))


def check_page(page: Any, name: str, found: dict[str, list[dict[str, Any]]]) -> None:
    """Record the page's violations under `name` (the test asserts they are all empty at the end)."""
    violations = serious_violations(page)
    if violations:
        found[name] = violations
