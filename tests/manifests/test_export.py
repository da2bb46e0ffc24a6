"""`prodops export` and `prodops schema`: a round trip through an empty database gives
the same text, byte for byte; registered kinds and product sections take part."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from prodops.catalog.models import Person, Product, Team
from prodops.manifests import registry

pytestmark = pytest.mark.django_db


def _empty_catalog() -> None:
    Product.objects.all().delete()
    Team.objects.all().delete()
    Person.objects.all().delete()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_apply_export_round_trips(prodops, portfolio_file, tmp_path, fmt):
    prodops("apply", "-f", str(portfolio_file))
    code, first, _ = prodops("export", "--format", fmt)
    assert code == 0
    assert "payments-api" in first
    path = tmp_path / f"export.{fmt}"
    path.write_text(first)
    _empty_catalog()
    code, out, err = prodops("apply", "-f", str(path))
    assert code == 0, err
    assert "7 created" in out
    _, second, _ = prodops("export", "--format", fmt)
    assert second == first


def test_round_trip_into_a_fresh_database_file(portfolio_file, tmp_path):
    """Through the installed console script and DATABASE_URL, as users run it."""
    prodops = [sys.executable, "-m", "prodops"]

    def run(db: str, *args: str, stdin: str | None = None) -> str:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / db}"}
        result = subprocess.run(
            [*prodops, *args], env=env, input=stdin, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("one.db", "migrate", "-v", "0")
    # A copy of the freshly migrated, empty database (migrating twice is slow).
    shutil.copyfile(tmp_path / "one.db", tmp_path / "two.db")
    run("one.db", "apply", "-f", str(portfolio_file))
    first = run("one.db", "export")
    assert "7 created" in run("two.db", "apply", "-f", "-", stdin=first)
    assert run("two.db", "export") == first


class _BadgeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    color: str = "green"


class _BadgesSection:
    """A product section as another app would register one; kept in memory."""

    name = "badges"
    value_model = list[_BadgeSpec]
    store: dict[str, list[dict[str, Any]]] = {}

    def apply(self, product: Any, value: Any, *, actor: Any, dry_run: bool) -> bool:
        wanted = [v.model_dump() for v in value or []]
        changed = self.store.get(product.slug, []) != wanted
        self.store[product.slug] = wanted
        return changed

    def export(self, product: Any) -> Any:
        badges = self.store.get(product.slug, [])
        return [{k: v for k, v in b.items() if k != "color" or v != "green"} for b in badges] or None


@pytest.fixture
def badges():
    section = _BadgesSection()
    section.store = {}
    registry.register_product_section(section)
    yield section
    registry._sections.pop("badges")


def test_a_registered_product_section_is_validated_applied_exported_and_in_the_schema(
    prodops, portfolio_file, badges
):
    text = portfolio_file.read_text().replace(
        "  owners: {build_lead: bob@example.com, run_lead: alice@example.com}",
        "  owners: {build_lead: bob@example.com, run_lead: alice@example.com}\n"
        "  badges:\n    - {label: beta, colour: red}",
    )
    portfolio_file.write_text(text)
    code, _, err = prodops("apply", "-f", str(portfolio_file))
    assert code == 2
    assert "field spec.badges.0.colour: unknown field (did you mean 'color'?)" in err

    portfolio_file.write_text(text.replace("colour", "color"))
    code, out, _ = prodops("apply", "-f", str(portfolio_file))
    assert code == 0
    assert badges.store["ledger"] == [{"label": "beta", "color": "red"}]
    _, exported, _ = prodops("export")
    assert "  badges:\n  - label: beta\n    color: red\n" in exported

    badges.store["ledger"] = []
    code, out, _ = prodops("apply", "-f", str(portfolio_file))
    assert "product/ledger updated" in out  # only the section changed

    _, schema, _ = prodops("schema")
    product = next(v for v in json.loads(schema)["oneOf"] if v["title"] == "Product")
    spec_ref = product["properties"]["spec"]["$ref"].rsplit("/", 1)[1]
    assert "badges" in json.loads(schema)["$defs"][spec_ref]["properties"]


def test_schema_describes_every_kind(prodops):
    code, out, _ = prodops("schema")
    assert code == 0
    schema = json.loads(out)
    kinds = {v["title"]: v for v in schema["oneOf"]}
    assert {"Person", "Team", "Product"} <= set(kinds)
    spec = schema["$defs"][kinds["Product"]["properties"]["spec"]["$ref"].rsplit("/", 1)[1]]
    assert spec["additionalProperties"] is False
    assert "owners" in spec["required"]
    owners = schema["$defs"]["Owners"]
    assert sorted(owners["required"]) == ["build_lead", "run_lead"]


def test_export_to_a_file(prodops, portfolio_file, tmp_path):
    prodops("apply", "-f", str(portfolio_file))
    out_file = Path(tmp_path / "out.yaml")
    code, out, _ = prodops("export", "-o", str(out_file))
    assert (code, out) == (0, "")
    assert out_file.read_text().startswith("apiVersion: prodops/v1\nkind: Person\n")
