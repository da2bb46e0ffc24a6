"""docs/permissions.md is generated from the policy and kept current."""

from __future__ import annotations

from pathlib import Path

from prodops.accounts import policy

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_docs_permissions_md_is_current(prodops):
    code, _, err = prodops("permissions", "--check", str(DOC))
    assert code == 0, f"{err} (run: prodops permissions --write docs/permissions.md)"


def test_every_registered_action_is_documented_with_its_rule():
    text = DOC.read_text(encoding="utf-8")
    for name, action in policy.actions().items():
        assert f"| `{name}` | `{action.rule}` |" in text
