"""axe-core in Chromium: the WCAG 2.1 A and AA rules on the page as it is drawn now.

axe is the copy bundled with axe-playwright-python. It is injected with `page.evaluate`, which
the page's CSP does not govern, so the strict policy stays on while axe looks at the page; the
options go in as an argument (the package's own `Axe.run` writes them as Python literals, which
JavaScript cannot read once they hold a `True`).
"""

from typing import Any

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Deque's best practices too (landmarks, one <h1>, unique landmark names), and the empty-header
# rule, still marked experimental in this axe (4.4): a column of buttons needs a header text.
_OPTIONS = {
    "runOnly": {"type": "tag", "values": [*WCAG_TAGS, "best-practice"]},
    "rules": {"empty-table-header": {"enabled": True}},
    "resultTypes": ["violations"],
}
# How many nodes of one rule to name: enough to find the template, short enough to read.
_TARGETS_SHOWN = 3


def axe_violations(page: Page) -> list[str]:
    """One line per violated rule: its id, help text, node count and the first nodes."""
    page.evaluate(AXE_SCRIPT)
    results: dict[str, Any] = page.evaluate("options => axe.run(document, options)", _OPTIONS)
    lines = []
    for violation in results["violations"]:
        nodes = violation["nodes"]
        targets = ", ".join(str(node["target"]) for node in nodes[:_TARGETS_SHOWN])
        detail = ""
        if violation["id"] == "color-contrast":
            # The measured ratio says by how much the colour misses, not just that it does.
            detail = " " + "; ".join(
                (node.get("any") or [{}])[0].get("message", "") for node in nodes[:1]
            )
        lines.append(
            f"{violation['id']}: {violation['help']} ({len(nodes)} nodes: {targets}){detail}"
        )
    return lines


def assert_no_axe_violations(page: Page) -> None:
    """Fail with every violated rule of the page, printed one per line."""
    violations = axe_violations(page)
    assert not violations, f"axe on {page.url}:\n" + "\n".join(violations)
