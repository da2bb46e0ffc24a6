"""Gate flows over HTTP: who may approve, sign and attest; what each post changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from prodops.audit.models import AuditEntry

pytestmark = pytest.mark.usefixtures("gated_product")


def statuses(client):
    page = client.get("/products/payments-api/checklist/?gate=pilot", headers={"HX-Request": "true"})
    assert page.status_code == 200
    html = page.content.decode()
    return {
        cid: html.split(f'id="criterion-{cid}" data-status="', 1)[1].split('"', 1)[0]
        for cid in ("runbook", "slo-defined", "plan-attested")
    }


def request_pilot(client):
    return client.post("/products/payments-api/transitions/", {"to_stage": "pilot"})


def test_checklist_shows_status_value_why_and_fix(client, personas):
    client.force_login(personas["carol"])
    page = client.get("/products/payments-api/").content.decode()
    assert "Gate checklist: entering" in page
    assert 'data-testid="gate-status">not ready' in page
    assert "docs.runbook.count &gt; 0" in page
    assert "Support cannot run what is not written down." in page
    assert "Add a document of kind runbook." in page
    assert statuses(client) == {"runbook": "fail", "slo-defined": "fail", "plan-attested": "fail"}


def test_member_who_is_not_a_lead_gets_403_on_sign_off(client, personas, gated_product):
    from prodops.lifecycle.models import Transition
    from prodops.readiness.models import Waiver

    client.force_login(personas["carol"])
    # a member who neither leads nor works on the product may not request its move
    assert request_pilot(client).status_code == 403
    client.force_login(personas["alice"])
    assert request_pilot(client).status_code == 302
    transition = Transition.objects.get()
    client.force_login(personas["carol"])
    assert client.post(f"/products/payments-api/transitions/{transition.pk}/approve/").status_code == 403
    assert not transition.approvals.exists()
    expires = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post(
        "/products/payments-api/waivers/", {"criterion": "slo-defined", "reason": "r", "expires": expires}
    )
    assert response.status_code == 403
    assert not Waiver.objects.exists()
    # a waiver proposed by alice cannot be signed by carol either
    client.force_login(personas["alice"])
    client.post(
        "/products/payments-api/waivers/", {"criterion": "slo-defined", "reason": "r", "expires": expires}
    )
    waiver = Waiver.objects.get()
    client.force_login(personas["carol"])
    assert client.post(f"/products/payments-api/waivers/{waiver.pk}/sign/").status_code == 403
    waiver.refresh_from_db()
    assert waiver.run_lead_signed_at is None


def test_viewer_cannot_approve_even_when_named_lead(client, personas, make_product):
    from prodops.catalog.models import Person
    from prodops.lifecycle.models import Transition

    dave = Person.objects.get(email="dave@example.com")
    make_product("ledger", stage="build", standard="small", run_lead=dave)
    client.force_login(personas["alice"])
    client.post("/products/ledger/transitions/", {"to_stage": "pilot"})
    transition = Transition.objects.get(product__slug="ledger")
    client.force_login(personas["dave"])
    page = client.get("/products/ledger/").content
    assert b"Approve as" not in page and b"Request a transition" not in page
    assert client.post(f"/products/ledger/transitions/{transition.pk}/approve/").status_code == 403
    assert client.post("/products/ledger/transitions/", {"to_stage": "pilot"}).status_code == 403
    assert not transition.approvals.exists()


def test_both_leads_approve_and_the_stage_changes_only_when_the_gate_is_open(client, personas, gated_product):
    from prodops.catalog.models import SLO
    from prodops.lifecycle.models import Transition

    client.force_login(personas["alice"])
    request_pilot(client)
    transition = Transition.objects.get()
    page = client.get("/products/payments-api/").content.decode()
    assert "Approve as build lead" in page
    client.post(f"/products/payments-api/transitions/{transition.pk}/approve/")
    client.force_login(personas["bob"])
    response = client.post(f"/products/payments-api/transitions/{transition.pk}/approve/", follow=True)
    assert "the move was refused" in response.content.decode()
    gated_product.refresh_from_db()
    assert gated_product.stage == "build"
    # fix the gate, ask again
    client.post(
        "/products/payments-api/add/documents/",
        {"documents-kind": "runbook", "documents-title": "Runbook", "documents-url": "https://x.example/rb"},
    )
    SLO.objects.create(product=gated_product, name="availability", objective=99.9)
    request_pilot(client)
    transition = Transition.objects.get(status="pending")
    client.post(f"/products/payments-api/transitions/{transition.pk}/approve/")
    client.force_login(personas["alice"])
    response = client.post(f"/products/payments-api/transitions/{transition.pk}/approve/", follow=True)
    assert "is now in pilot" in response.content.decode()
    gated_product.refresh_from_db()
    assert gated_product.stage == "pilot"
    assert AuditEntry.objects.filter(action="transition.execute", via="web").exists()


def test_waiver_signed_by_both_leads_turns_fail_into_waived(client, personas):
    from prodops.readiness.models import Waiver

    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    client.force_login(personas["alice"])
    client.post(
        "/products/payments-api/waivers/",
        {"criterion": "slo-defined", "reason": "SLOs agreed next sprint", "expires": expires},
    )
    assert statuses(client)["slo-defined"] == "fail"  # one signature is not enough
    waiver = Waiver.objects.get()
    client.force_login(personas["bob"])
    client.post(f"/products/payments-api/waivers/{waiver.pk}/sign/")
    assert statuses(client)["slo-defined"] == "waived"


def test_waiver_beyond_the_maximum_is_refused_with_a_message(client, personas):
    from prodops.readiness.models import Waiver

    client.force_login(personas["alice"])
    expires = (timezone.localdate() + timedelta(days=365)).isoformat()
    response = client.post(
        "/products/payments-api/waivers/",
        {"criterion": "slo-defined", "reason": "r", "expires": expires},
        follow=True,
    )
    assert "at most 90 days" in response.content.decode()
    assert not Waiver.objects.exists()


def test_attest_by_the_role_holder(client, personas):
    client.force_login(personas["bob"])  # not the build lead
    assert b"Attest plan-attested" not in client.get("/products/payments-api/?gate=pilot").content
    client.force_login(personas["alice"])
    response = client.post(
        "/products/payments-api/attest/",
        {"criterion": "plan-attested", "evidence_url": "https://wiki.example.com/plan"},
        follow=True,
    )
    assert "Attested plan-attested" in response.content.decode()
    assert statuses(client)["plan-attested"] == "pass"


def test_dashboard_shows_readiness_and_blocked_gates(client, personas, gated_product):
    from prodops.readiness.services import evaluate_products

    evaluate_products(product_ids=[gated_product.pk])
    client.force_login(personas["dave"])
    page = client.get("/").content.decode()
    assert "for pilot" in page and ">blocked<" in page
    assert 'Blocked gates <span class="muted small">1</span>' in page


def test_attest_by_someone_outside_the_role_is_403(client, personas):
    from prodops.readiness.models import Attestation

    client.force_login(personas["carol"])
    response = client.post(
        "/products/payments-api/attest/",
        {"criterion": "plan-attested", "evidence_url": "https://wiki.example.com/plan"},
    )
    assert response.status_code == 403
    assert not Attestation.objects.exists()


def test_a_lead_rejects_a_transition_with_a_reason(client, personas, gated_product):
    from prodops.lifecycle.models import Transition

    client.force_login(personas["alice"])
    request_pilot(client)
    transition = Transition.objects.get()
    client.force_login(personas["bob"])
    url = f"/products/payments-api/transitions/{transition.pk}/reject/"
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Reason: This field is required." in response.content.decode()
    transition.refresh_from_db()
    assert transition.status == "pending"
    client.post(url, {"reason": "Support is not trained yet"})
    transition.refresh_from_db()
    assert transition.status == "refused" and "Support is not trained yet" in transition.refusal
    page = client.get("/products/payments-api/").content.decode()
    assert "Support is not trained yet" in page and "refused" in page
