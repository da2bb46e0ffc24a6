"""The demo portfolio is realistic enough to show every part of ProdOps."""

from __future__ import annotations

import random
from datetime import date

import pytest

from prodops.audit.models import AuditEntry
from prodops.catalog import demo
from prodops.catalog.models import DEFAULT_STAGES, Product, Stakeholder, Team
from prodops.core.actors import Actor

TODAY = date(2026, 11, 21)


@pytest.fixture
def seeded(db):
    demo.seed(actor=Actor.system("demo"), today=TODAY, rng=random.Random(42))


def test_every_stage_has_products_owned_two_in_a_box(seeded):
    products = list(Product.objects.select_related("build_team", "run_team"))
    assert len(products) >= 12
    assert {p.stage for p in products} == set(DEFAULT_STAGES)
    for product in products:
        assert product.build_lead_id and product.run_lead_id
        assert product.build_team is not None and product.build_team.kind == "build"
        assert product.run_team is not None and product.run_team.kind == "run"
        assert product.links["repo"] == f"https://github.com/acme/{product.slug}"
    assert {"build", "run", "business"} == set(Team.objects.values_list("kind", flat=True))
    assert all(t.capacity_hours_per_week > 0 for t in Team.objects.all())


def test_products_in_production_have_slos_oncall_warranty_and_go_live(seeded):
    for product in Product.objects.filter(stage__in=["warranty", "operate"]):
        assert product.go_live is not None and product.go_live < TODAY, product.slug
        assert product.warranty["threshold"]["per"].endswith("d"), product.slug
        assert product.oncall["rotation"], product.slug
        assert product.slos.exists(), product.slug
    warranty = Product.objects.filter(stage="warranty")
    assert all((TODAY - p.go_live).days < p.warranty["max_days"] for p in warranty)


def test_stakeholders_cover_every_function_and_writes_are_audited(seeded):
    functions = set(Stakeholder.objects.values_list("function", flat=True))
    assert {"design", "sales", "marketing", "customer service", "analytics"} <= functions
    assert AuditEntry.objects.filter(action="product.created").count() == Product.objects.count()


def test_slugs_other_seeders_rely_on_stay(seeded):
    assert {
        "payments-api",
        "checkout-web",
        "loyalty-app",
        "fraud-scoring",
        "store-locator",
        "order-management",
    } <= set(Product.objects.values_list("slug", flat=True))
