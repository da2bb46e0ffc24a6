"""Transitions: both leads sign, the gate is checked at execution, the snapshot is kept."""

import pytest

from prodops.catalog.models import SLO
from prodops.lifecycle import services
from prodops.lifecycle.models import Transition
from prodops.readiness.services import NotAllowed, ReadinessError, set_custom_facts


def make_ready(product, actor):
    set_custom_facts(actor=actor, product=product, facts={"coverage": 0.9})
    SLO.objects.create(product=product, name="availability", objective=99.9)


def test_needs_both_leads(acme_product, people, actor):
    make_ready(acme_product, actor)
    t = services.request_transition(actor=people["mallory"], product=acme_product, to_stage="pilot")
    with pytest.raises(NotAllowed):
        services.approve_transition(actor=people["mallory"], transition=t)
    services.approve_transition(actor=people["alice"], transition=t)
    acme_product.refresh_from_db()
    assert t.status == "pending" and acme_product.stage == "build"
    with pytest.raises(ReadinessError, match="already approved"):
        services.approve_transition(actor=people["alice"], transition=t)
    services.approve_transition(actor=people["bob"], transition=t)
    acme_product.refresh_from_db()
    assert t.status == "executed" and acme_product.stage == "pilot"
    assert t.snapshot["gate"] == "pilot" and t.snapshot["ready"] is True
    assert {c["id"] for c in t.snapshot["criteria"]} == {"owners", "coverage", "slo", "style"}
    assert list(t.approvals.values_list("role", flat=True)) == ["build_lead", "run_lead"]


def test_refused_when_the_gate_fails_at_execution(acme_product, people, actor):
    make_ready(acme_product, actor)
    t = services.request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    services.approve_transition(actor=people["alice"], transition=t)
    # evidence changes between the request and the last signature
    set_custom_facts(actor=actor, product=acme_product, facts={"coverage": 0.4})
    services.approve_transition(actor=people["bob"], transition=t)
    acme_product.refresh_from_db()
    assert t.status == "refused" and acme_product.stage == "build"
    assert "coverage" in t.refusal and t.snapshot["ready"] is False


def test_cumulative_gate_blocks_skipping_ahead(acme_product, people, actor):
    # warranty needs pilot's blocking criteria too; the attestation alone is not enough
    from prodops.readiness.services import attest

    attest(
        actor=people["bob"], product=acme_product, criterion_id="accepted", evidence_url="https://x.example/a"
    )
    t = services.request_transition(actor=people["alice"], product=acme_product, to_stage="warranty")
    services.approve_transition(actor=people["root"], transition=t)
    assert t.status == "refused" and t.override
    assert "coverage" in t.refusal and "accepted" not in t.refusal


def test_admin_override_is_recorded(acme_product, people, actor):
    make_ready(acme_product, actor)
    t = services.request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    services.approve_transition(actor=people["root"], transition=t)
    assert t.status == "executed" and t.override
    assert all(a.override for a in t.approvals.all())


def test_handback_needs_reason_and_both_leads_but_no_gate(acme_product, people):
    acme_product.stage = "operate"
    acme_product.save()
    with pytest.raises(ReadinessError, match="needs a reason"):
        services.request_transition(actor=people["bob"], product=acme_product, to_stage="build")
    t = services.request_transition(
        actor=people["bob"],
        product=acme_product,
        to_stage="build",
        reason="Support load twice the agreed limit",
    )
    assert t.kind == Transition.Kind.HANDBACK
    services.approve_transition(actor=people["bob"], transition=t)
    services.approve_transition(actor=people["alice"], transition=t)
    acme_product.refresh_from_db()
    assert t.status == "executed" and acme_product.stage == "build"


def test_one_pending_transition_at_a_time(acme_product, people):
    services.request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    with pytest.raises(ReadinessError, match="pending"):
        services.request_transition(actor=people["alice"], product=acme_product, to_stage="warranty")
