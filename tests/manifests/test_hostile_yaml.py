"""Hostile YAML for `prodops apply` (security audit 2026-11-29, M4): an alias bomb, deep
nesting and a date that does not exist are refused with exit 2 naming the file, line and
field, never a traceback, and nothing is applied. The limits are in docs/config.md."""

from __future__ import annotations

import pytest

from prodops.manifests.parsing import MAX_DEPTH, MAX_VALUES
from tests.manifests.conftest import catalog_counts

pytestmark = pytest.mark.django_db

PRODUCT = (
    "apiVersion: prodops/v1\nkind: Product\nmetadata: {{slug: a, name: A}}\nspec:\n"
    "  owners: {{build_lead: alice@example.com, run_lead: bob@example.com}}\n{extra}"
)


def _bomb() -> str:
    """The audit's 342-byte bomb: nine anchors, each a list of nine aliases of the one
    before, 9**9 (387 million) values once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _apply(prodops, tmp_path, text: str) -> tuple[int, str, str]:
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    before = catalog_counts()
    code, _out, err = prodops("apply", "-f", str(path))
    assert catalog_counts() == before
    assert "Traceback" not in err
    return code, str(path), err


def test_alias_bomb_is_refused(prodops, tmp_path):
    bomb = _bomb()
    assert len(bomb.encode()) == 342
    code, path, err = _apply(prodops, tmp_path, bomb)
    assert code == 2
    assert f"{path}:" in err
    assert f"more than {MAX_VALUES} values once aliases are expanded" in err


def test_alias_bomb_inside_facts_is_refused(prodops, tmp_path):
    facts = "  facts:\n" + "".join(f"    {line}\n" for line in _bomb().splitlines())
    code, _path, err = _apply(prodops, tmp_path, PRODUCT.format(extra=facts))
    assert code == 2
    assert "field spec.facts." in err
    assert "aliases are expanded" in err


@pytest.mark.parametrize(
    "text",
    [
        PRODUCT.format(extra="  description: " + "[" * 5000 + "]" * 5000 + "\n"),
        "[" * 20000 + "]" * 20000 + "\n",
        "".join(" " * i + f"k{i}:\n" for i in range(2000)) + " " * 2000 + "end: 1\n",
    ],
    ids=["5000 brackets in a description", "20000 brackets", "2000-level block mapping"],
)
def test_deep_nesting_is_refused(prodops, tmp_path, text):
    code, path, err = _apply(prodops, tmp_path, text)
    assert code == 2
    assert f"{path}:" in err
    assert f"nested deeper than {MAX_DEPTH} levels" in err


def test_a_date_that_does_not_exist_names_its_field(prodops, tmp_path):
    code, path, err = _apply(prodops, tmp_path, PRODUCT.format(extra="  go_live: 2026-13-45\n"))
    assert code == 2
    assert f"{path}:6: document 1" in err
    assert "field spec.go_live:" in err
    assert "month must be in 1..12" in err


def test_anchors_within_the_limits_still_work(prodops, tmp_path, make_person):
    make_person("alice@example.com")
    make_person("bob@example.com")
    text = (
        "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: a, name: A}\nspec:\n"
        "  owners: {build_lead: &alice alice@example.com, run_lead: bob@example.com}\n"
        "  stakeholders: [{function: design, person: *alice}]\n"
    )
    path = tmp_path / "anchors.yaml"
    path.write_text(text)
    code, out, err = prodops("apply", "-f", str(path))
    assert code == 0, err
    assert "product/a created" in out
