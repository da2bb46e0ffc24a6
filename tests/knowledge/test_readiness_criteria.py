"""The default standard's criteria on knowledge, support and risk facts decide the
warranty gate as intended (evaluated by the readiness engine, not re-implemented)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from prodops.catalog.models import Team
from prodops.core.actors import Actor
from prodops.knowledge import services
from prodops.knowledge.handover import build_pack
from prodops.readiness.services import product_readiness
from prodops.risks import services as risk_services


@pytest.fixture
def pilot(make_product, make_person, actor):
    crew = [make_person(f"{n}@example.com") for n in ("bob", "carol", "dan", "eve", "fay")]
    # The seeds' support team "already working 70+ hours a week": 70 h of capacity.
    team = Team.objects.create(slug="run", name="Run", kind="run", capacity_hours_per_week=70)
    team.members.set(crew)
    product = make_product("payments-api", stage="pilot", tier=1, run_team=team)
    today = timezone.localdate()
    services.create_document(
        actor=actor,
        product=product,
        kind="runbook",
        title="Runbook",
        url="https://wiki.example.com/r",
        reviewed=today - timedelta(days=400),
    )
    services.record_training(
        actor=actor,
        product=product,
        topic="Walkthrough",
        date=today,
        attendee_emails=[p.email for p in crew[:4]],
    )  # 4 of 5 = 0.8
    for person in crew[:3]:  # 3 of 5 = 0.6
        services.sign_support(actor=Actor.person(person.email), product=product)
    services.set_support_estimate(actor=actor, product=product, hours_per_week=63)  # 63 / 70 = 0.9
    risk_services.create_risk(
        actor=actor,
        product=product,
        title="Vendor outage",
        likelihood=3,
        impact=5,
        next_review=today + timedelta(days=30),
    )
    risk_services.create_known_error(actor=actor, product=product, title="Stuck", symptom="Order stuck")
    return product


def _status(product):
    readiness = product_readiness(product=product, gate="warranty")
    return {c.id: c.status for c in readiness.criteria}, readiness


def test_warranty_gate_reflects_knowledge_facts(pilot, actor):
    status, readiness = _status(pilot)
    assert status["runbook"] == "pass"
    assert status["runbook-fresh-at-go-live"] == "fail"  # reviewed 400 days ago
    assert status["training-delivered"] == "pass"  # 0.8 >= 0.8
    assert status["support-signoff"] == "pass"  # 0.6 >= 0.5
    assert status["support-capacity"] == "fail"  # 0.9 > 0.85
    assert status["known-errors-have-workarounds"] == "fail"
    assert status["no-open-high-risks"] == "fail"  # 3 x 5 = 15, open
    assert status["architecture-documented"] == "fail"
    assert not readiness.ready

    services.set_support_estimate(actor=actor, product=pilot, hours_per_week=59.5)  # 0.85: at the limit
    risk = pilot.risks.get()
    risk_services.update_risk(actor=actor, risk=risk, status="accepted")
    status, _ = _status(pilot)
    assert status["support-capacity"] == "pass"
    assert status["no-open-high-risks"] == "pass"


def test_pack_lists_failing_criteria(pilot):
    pack = build_pack(product=pilot)
    assert pack.readiness is not None
    assert pack.readiness["gate"] == "warranty"
    failing = {c["id"] for c in pack.readiness["failing"]}
    assert {"support-capacity", "known-errors-have-workarounds", "no-open-high-risks"} <= failing
    assert "training-delivered" not in failing
