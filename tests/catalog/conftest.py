from __future__ import annotations

from typing import Any

import pytest

from prodops.catalog.schemas import ProductSpec, TeamSpec
from prodops.catalog.services import save_product, upsert_person, upsert_team
from prodops.core.actors import Actor


@pytest.fixture
def catalog(db: Any) -> None:
    """alice builds, bob runs; five products over three stages and two teams."""
    actor = Actor.cli("tests")
    for email, name in [
        ("alice@example.com", "Alice"),
        ("bob@example.com", "Bob"),
        ("carol@example.com", "Carol"),
    ]:
        upsert_person(actor=actor, email=email, name=name)
    upsert_team(
        actor=actor,
        slug="pay-dev",
        name="Pay dev",
        spec=TeamSpec(kind="build", members=["alice@example.com"]),
    )
    upsert_team(
        actor=actor, slug="pay-ops", name="Pay ops", spec=TeamSpec(kind="run", members=["bob@example.com"])
    )
    rows = [
        ("billing", "build", 2, "pay-dev", None, "alice@example.com", "bob@example.com"),
        ("checkout", "operate", 1, "pay-dev", "pay-ops", "alice@example.com", "bob@example.com"),
        ("ledger", "operate", 1, None, "pay-ops", "carol@example.com", "bob@example.com"),
        ("reports", "plan", 3, None, None, "carol@example.com", "alice@example.com"),
        ("wallet", "operate", 2, None, None, "carol@example.com", "bob@example.com"),
    ]
    for slug, stage, tier, build, run, build_lead, run_lead in rows:
        spec = ProductSpec.model_validate(
            {
                "stage": stage,
                "tier": tier,
                "teams": {"build": build, "run": run},
                "owners": {"build_lead": build_lead, "run_lead": run_lead},
            }
        )
        save_product(actor=actor, slug=slug, name=slug.title(), spec=spec)


@pytest.fixture
def tokens(db: Any, prodops: Any) -> dict[str, str]:
    """Raw tokens made through `prodops token create`: a read-write one of product
    operations (who manage the catalog) and a read-only one."""
    made = {}
    for label, extra in [("rw", []), ("ro", ["--read-only"])]:
        code, out, _ = prodops("token", "create", f"{label}@example.com", *extra)
        assert code == 0
        made[label] = out.strip()
    assert prodops("role", "rw@example.com", "product_ops")[0] == 0
    return made
