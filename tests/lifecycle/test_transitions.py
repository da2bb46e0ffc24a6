"""Transitions: both leads sign, the gate is checked at execution, the snapshot is kept."""

import pytest

from prodops.audit.models import AuditEntry
from prodops.catalog.models import SLO
from prodops.lifecycle import services
from prodops.lifecycle.models import Transition
from prodops.readiness.services import NotAllowed, ReadinessError, set_custom_facts


def make_ready(product, actor):
    set_custom_facts(actor=actor, product=product, facts={"coverage": 0.9})
    SLO.objects.create(product=product, name="availability", objective=99.9)


def test_needs_both_leads(acme_product, people, actor):
    make_ready(acme_product, actor)
    with pytest.raises(NotAllowed):  # neither a lead nor on the product's teams
        services.request_transition(actor=people["mallory"], product=acme_product, to_stage="pilot")
    t = services.request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    with pytest.raises(NotAllowed):
        services.approve_transition(actor=people["mallory"], transition=t)
    services.approve_transition(actor=people["alice"], transition=t)
    acme_product.refresh_from_db()
    assert t.status == "pending" and acme_product.stage == "build"
    # approving again adds nothing and does not fail (a retried request)
    assert services.approve_transition(actor=people["alice"], transition=t).status == "pending"
    assert list(t.approvals.values_list("role", flat=True)) == ["build_lead"]
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
    services.approve_transition(actor=people["root"].with_reason("pilot skipped by decision"), transition=t)
    assert t.status == "refused" and t.override
    assert "coverage" in t.refusal and "accepted" not in t.refusal


def test_admin_override_is_recorded(acme_product, people, actor):
    make_ready(acme_product, actor)
    t = services.request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    with pytest.raises(NotAllowed, match="reason"):
        services.approve_transition(actor=people["root"], transition=t)
    services.approve_transition(actor=people["root"].with_reason("both leads on leave"), transition=t)
    assert t.status == "executed" and t.override
    assert all(a.override for a in t.approvals.all())
    entry = AuditEntry.objects.get(action="transition.override")
    assert entry.changes["override"] == [None, "both leads on leave"]


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


def test_handback_to_the_first_stage_executes(acme_product, people):
    # audit L6: every approval of a move back to `plan` failed with "'plan' is not a gate"
    t = services.request_transition(
        actor=people["bob"], product=acme_product, to_stage="plan", reason="Rewrite before the pilot"
    )
    services.approve_transition(actor=people["bob"], transition=t)
    services.approve_transition(actor=people["alice"], transition=t)
    acme_product.refresh_from_db()
    assert t.status == "executed" and acme_product.stage == "plan"
    assert t.snapshot["gate"] == "build"  # what it must pass to advance again


def test_approving_an_executed_transition_again_changes_nothing(acme_product, people):
    t = services.request_transition(actor=people["bob"], product=acme_product, to_stage="plan", reason="x")
    services.approve_transition(actor=people["bob"], transition=t)
    services.approve_transition(actor=people["alice"], transition=t)
    again = services.approve_transition(actor=people["alice"], transition=t)
    assert again.status == "executed" and again.approvals.count() == 2


def test_approval_after_a_concurrent_cancel_sees_it(acme_product, people):
    # the caller's copy is stale: someone cancelled meanwhile; the service reloads it
    # under the lock and refuses instead of signing a cancelled transition
    t = services.request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    services.cancel_transition(actor=people["alice"], transition=Transition.objects.get(pk=t.pk))
    assert t.status == "pending"  # stale copy
    with pytest.raises(ReadinessError, match="cancelled, not pending"):
        services.approve_transition(actor=people["bob"], transition=t)
    assert t.approvals.count() == 0


def test_skipping_stages_checks_every_gate_between_and_the_checklist_shows_the_target(acme_product, people):
    # build → warranty skips pilot: pilot's blocking criteria count, and the product's
    # checklist shows the warranty gate (with pilot's blockers) while the request is pending
    from django.template.loader import render_to_string

    from prodops.web.gates import checklist_context

    t = services.request_transition(actor=people["alice"], product=acme_product, to_stage="warranty")
    context = checklist_context(acme_product, people["alice"].user)
    assert context["readiness"].gate == "warranty"
    html = render_to_string("web/partials/checklist.html", {"product": acme_product, **context})
    assert 'entering <span class="cap">warranty</span>' in html
    assert 'id="criterion-coverage"' in html and 'id="criterion-accepted"' in html
    make_ready(acme_product, people["root"])
    services.approve_transition(actor=people["alice"], transition=t)
    services.approve_transition(actor=people["bob"], transition=t)
    assert t.status == "refused" and "accepted" in t.refusal and "coverage" not in t.refusal
