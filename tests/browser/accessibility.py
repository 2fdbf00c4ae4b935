"""axe-core (4.14.1, vendored from its npm package in tests/browser/vendor) run in the page:
the accessibility rules a screen reader and a keyboard depend on."""

from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
# What blocks someone: a form field without a name, an image without words, too little
# contrast to read, a page a keyboard cannot reach through.
BLOCKING = {"serious", "critical"}


async def violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical violations of WCAG 2.1 A and AA on the page as it is."""
    # Evaluated, not added as a <script>: the site's CSP rightly refuses inline scripts.
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    checked: dict[str, Any] = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            });
            return {
                passes: result.passes.length,
                violations: result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
                })),
            };
        }"""
    )
    # A run that checked nothing would pass anything.
    assert checked["passes"] > 5, page.url
    return [v for v in checked["violations"] if v["impact"] in BLOCKING]
