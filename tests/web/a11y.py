"""axe-core inside the browser tests: the vendored axe.min.js (tests/web/vendor, from the
npm registry package axe-core) is added to the page, never fetched at run time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SEVERE = {"serious", "critical"}


def severe_violations(page: Any, context: str = "document") -> list[str]:
    """The serious and critical WCAG violations axe finds on the page (or inside the
    element ``context`` selects), as readable lines."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (context) => {
            const where = context === 'document' ? document : document.querySelector(context);
            return await axe.run(where, {resultTypes: ['violations']});
        }""",
        context,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v.get("impact") in SEVERE
    ]
