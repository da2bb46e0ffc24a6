"""A readiness evaluation runs only the fact providers whose facts its standard's rules
read (``core.facts.serving``, ``readiness.services._providers_for``). Skipping the others
must change nothing: every result is the one an evaluation with every provider gives,
for the default standard and for a standard that reads the facts the default one does
not (handback, operating load, outcomes, a custom namespace)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from prodops.core import facts as registry
from prodops.events.models import Incident, Page, Ticket
from prodops.knowledge.models import Document
from prodops.readiness import services
from prodops.risks.models import Risk

WIDE = {
    "criteria": [
        {"id": "handback", "gate": "build", "rule": "handback.triggered == false"},
        {"id": "load", "gate": "build", "rule": "ops.pages_per_shift <= 2.0"},
        {"id": "dau", "gate": "build", "rule": "outcomes.dau > 0"},
        {"id": "custom", "gate": "build", "rule": 'custom["coverage"] >= 0.8'},
        {"id": "runbook", "gate": "build", "rule": "docs.runbook.count > 0"},
        {"id": "risks", "gate": "pilot", "rule": "risks.open_high == 0"},
    ]
}


def _names(providers: list[registry.Provider]) -> set[str]:
    return {p.fn.__qualname__ for p in providers}


@pytest.mark.django_db
def test_serving_matches_names_patterns_and_namespaces():
    assert _names(registry.serving(["risks.open"])) == {"risk_facts"}
    assert _names(registry.serving(["docs.runbook.count"])) == {"document_facts"}
    assert _names(registry.serving(["incidents.open_sev1", "risks.open"])) == {"open_work", "risk_facts"}
    assert _names(registry.serving([], ["custom."])) == {"catalog_facts"}
    assert _names(registry.serving([], ["docs."])) == {"document_facts"}
    assert registry.serving([]) == []
    assert registry.serving(["no.such.fact"]) == []


@pytest.fixture
def busy_product(make_product: Any) -> Any:
    now = timezone.now()
    product = make_product(
        "busy",
        stage="operate",
        tier=1,
        go_live=date.today() - timedelta(days=90),
        facts={"coverage": 0.9},
        integrations={"pagerduty": {"service": "P1"}},
    )
    Document.objects.create(product=product, kind="runbook", title="Runbook", url="https://x.example/r")
    Risk.objects.create(product=product, title="R", likelihood=5, impact=4, next_review=date.today())
    for i in range(30):
        at = now - timedelta(hours=9 * i + 1)
        Page.objects.create(product=product, external_id=f"p{i}", triggered_at=at)
        Ticket.objects.create(product=product, external_id=f"t{i}", opened_at=at, handle_minutes=45)
    Incident.objects.create(product=product, external_id="i1", severity=1, opened_at=now - timedelta(days=2))
    return product


def _results(product: Any, monkeypatch: pytest.MonkeyPatch, *, every: bool) -> tuple[Any, Any]:
    with monkeypatch.context() as patch:
        if every:
            patch.setattr(services, "_providers_for", lambda standards: registry.providers())
        now = timezone.now()
        stored = services.evaluate_products(product_ids=[product.pk], now=now, persist=False, detail=True)
        page = services.product_readiness(product=product, gate="retire", now=now)
    return (
        [(c.id, c.status, c.value, c.message) for c in stored[product.pk].criteria],
        [(c.id, c.status, c.value, c.message) for c in page.criteria],
    )


@pytest.mark.django_db
def test_default_standard_gives_the_same_results_without_the_unread_providers(busy_product, monkeypatch):
    standard = services.get_standard(services.DEFAULT_SLUG)
    skipped = set(_names(registry.providers())) - _names(services._providers_for([standard]))
    assert skipped, "the default standard reads every provider's facts: nothing to compare"
    assert _results(busy_product, monkeypatch, every=False) == _results(busy_product, monkeypatch, every=True)


@pytest.mark.django_db
def test_a_standard_reading_other_facts_gets_them(busy_product, monkeypatch, actor):
    services.apply_standard(actor=actor, slug="wide", name="Wide", spec=WIDE)
    busy_product.standard = "wide"
    busy_product.save(update_fields=["standard"])
    standard = services.get_standard("wide")
    assert _names(services._providers_for([standard])) == {
        "handback_facts",
        "outcome_facts",
        "catalog_facts",
        "document_facts",
        "risk_facts",
    }
    selected, page = _results(busy_product, monkeypatch, every=False)
    assert (selected, page) == _results(busy_product, monkeypatch, every=True)
    by_id = {cid: (status, value) for cid, status, value, _ in page}
    # the facts arrived: 30 pages in 28 days (56 twelve-hour shifts) is under the limit
    assert by_id["handback"] == ("pass", False)
    assert by_id["load"] == ("pass", pytest.approx(30 / 56, abs=1e-3))
    assert by_id["custom"][0] == "pass"  # read through the namespace: unknown without it
    assert by_id["runbook"] == ("pass", 1)
    assert by_id["dau"][0] == "unknown"  # no usage data: unknown, as with every provider


@pytest.mark.django_db
def test_selection_follows_a_new_standard_version(busy_product, actor):
    services.apply_standard(actor=actor, slug="wide", name="Wide", spec=WIDE)
    first = _names(services._providers_for([services.get_standard("wide")]))
    narrower = {"criteria": [c for c in WIDE["criteria"] if c["id"] == "risks"]}
    services.apply_standard(actor=actor, slug="wide", name="Wide", spec=narrower)
    assert first != {"risk_facts"}
    assert _names(services._providers_for([services.get_standard("wide")])) == {"risk_facts"}
