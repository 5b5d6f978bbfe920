"""WCAG 2.1 AA checks by axe-core (frontend/node_modules, a development dependency, never
served) on a page the browser tests opened.

The pages forbid inline scripts (script-src 'self'): axe's source goes in through
Playwright's evaluation (the DevTools protocol), which no Content-Security-Policy governs,
and into every frame, so that axe also checks the documents of iframes (the widget's
preview) as parts of the page.
"""

from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

AXE = Path(settings.BASE_DIR) / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def _source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make vendor` (or `npm ci --prefix frontend`)")
    return AXE.read_text()


def violations(page, context=None) -> list[dict]:
    """axe's WCAG 2.1 A and AA violations on the page as it is now.

    `context` is axe's: a selector, or {"include": [...], "exclude": [...]}; the whole
    document when None."""
    for frame in page.frames:
        if not frame.is_detached() and not frame.evaluate("typeof window.axe === 'object'"):
            frame.evaluate(_source())
    result = page.evaluate(
        """([context, tags]) => axe.run(context || document, {
               runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]
           })""",
        [context, WCAG21_AA],
    )
    return result["violations"]


def report(found: list[dict]) -> str:
    """One paragraph a violation: its rule, impact and help, then each node's selector."""
    lines = []
    for violation in found:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            summary = " ".join(
                line.strip() for line in (node.get("failureSummary") or "").splitlines()
            )
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def assert_accessible(page, context=None):
    """Fail with a readable list unless axe finds no WCAG 2.1 AA violation in `context`."""
    found = violations(page, context)
    assert not found, f"{len(found)} WCAG 2.1 AA violation(s) on {page.url}:\n" + report(found)
