"""The authorization findings of the 2026-11-29 security audit (C1, H2, H3), reproduced
through the interface where they were found. Each failed before the policy was applied
to every write service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from prodops.audit.models import AuditEntry
from prodops.catalog.models import Person, Product, Team
from prodops.lifecycle.models import Transition
from prodops.readiness.models import Waiver

pytestmark = pytest.mark.django_db


def _expires() -> str:
    return (datetime.now(UTC) + timedelta(days=20)).isoformat()


def test_c1_a_viewer_token_writes_nothing(api, world):
    """C1: a viewer's token created a product in operate naming itself both leads,
    deleted products and people, created teams and pushed gate evidence."""
    before = AuditEntry.objects.count()
    solo = {
        "slug": "mine",
        "name": "Mine",
        "stage": "operate",
        "owners": {"build_lead": "vic@example.com", "run_lead": "vic@example.com"},
    }
    assert api("viewer", "post", "/products", solo).status_code == 403
    assert api("viewer", "delete", "/products/payments-api", **{"If-Match": "*"}).status_code == 403
    assert api("viewer", "post", "/teams", {"slug": "t", "name": "T", "kind": "run"}).status_code == 403
    assert api("viewer", "delete", "/people/mei@example.com").status_code == 403
    assert api("viewer", "put", "/products/payments-api/facts", {"coverage": 1}).status_code == 403
    estimate = {"hours_per_week": 1}
    assert api("viewer", "put", "/products/payments-api/support-estimate", estimate).status_code == 403
    doc = {"kind": "runbook", "title": "x", "url": "https://x.example.com"}
    assert api("viewer", "post", "/products/payments-api/documents", doc).status_code == 403
    event = {
        "type": "deployment",
        "product": "payments-api",
        "id": "d1",
        "deployed_at": "2026-11-20T10:00:00Z",
    }
    assert api("viewer", "post", "/events", event).status_code == 403
    assert AuditEntry.objects.count() == before
    assert not Product.objects.filter(slug="mine").exists()
    assert (
        Person.objects.filter(email="mei@example.com").exists() and not Team.objects.filter(slug="t").exists()
    )


def test_c1_a_member_cannot_take_over_someone_elses_product(api, world):
    """C1 escalation: mei made herself both leads of payments-api, waived a blocking
    criterion and approved the stage move alone."""
    both = {"owners": {"build_lead": "mei@example.com", "run_lead": "mei@example.com"}}
    r = api("member", "patch", "/products/payments-api", both, **{"If-Match": "*"})
    assert r.status_code == 403
    one = {"owners": {"build_lead": "mei@example.com", "run_lead": "bob@example.com"}}
    assert api("member", "patch", "/products/payments-api", one, **{"If-Match": "*"}).status_code == 403
    # even its build lead may not hand a lead role to someone: that is product operations' job
    assert api("build_lead", "patch", "/products/payments-api", one, **{"If-Match": "*"}).status_code == 403
    waiver = {"criterion": "owners-named", "reason": "x", "expires_at": _expires()}
    assert api("member", "post", "/products/payments-api/waivers", waiver).status_code == 403
    assert (
        api("member", "post", "/products/payments-api/transitions", {"to_stage": "pilot"}).status_code == 403
    )
    t = api("build_lead", "post", "/products/payments-api/transitions", {"to_stage": "pilot", "reason": "x"})
    assert t.status_code == 201
    assert api("member", "post", f"/transitions/{t.json()['id']}/approve").status_code == 403
    product = Product.objects.get(slug="payments-api")
    assert (product.build_lead.email, product.run_lead.email) == ("alice@example.com", "bob@example.com")
    assert not Waiver.objects.exists() and Transition.objects.get().approvals.count() == 0
    # what they may do: a lead edits the entry, product operations reassign a lead
    assert (
        api("build_lead", "patch", "/products/payments-api", {"tier": 1}, **{"If-Match": "*"}).status_code
        == 200
    )
    assert api("product_ops", "patch", "/products/payments-api", one, **{"If-Match": "*"}).status_code == 200


def test_c1_members_create_only_in_the_first_stage_and_adoption_is_audited(api, world):
    new = {
        "slug": "search",
        "name": "Search",
        "stage": "operate",
        "owners": {"build_lead": "mei@example.com", "run_lead": "bob@example.com"},
    }
    assert api("member", "post", "/products", new).status_code == 403
    assert api("member", "post", "/products", {**new, "stage": "plan"}).status_code == 201
    r = api("product_ops", "post", "/products", {**new, "slug": "legacy", "stage": "operate"})
    assert r.status_code == 201
    entry = AuditEntry.objects.get(action="product.created", product__slug="legacy")
    assert entry.changes["adopted"] == [None, "adopted at stage operate"]
    assert entry.actor == "olga@example.com"


def test_c1_a_lead_demoted_to_viewer_signs_nothing(api, world, prodops):
    """C1 related: readiness.lead_roles ignored the viewer role over the API."""
    t = api("run_lead", "post", "/products/payments-api/transitions", {"to_stage": "pilot", "reason": "x"})
    assert t.status_code == 201
    assert prodops("role", "alice@example.com", "viewer")[0] == 0
    assert api("build_lead", "post", f"/transitions/{t.json()['id']}/approve").status_code == 403
    waiver = {"criterion": "owners-named", "reason": "x", "expires_at": _expires()}
    assert api("build_lead", "post", "/products/payments-api/waivers", waiver).status_code == 403
    attest = {"criterion": "handover-plan", "evidence_url": "https://wiki.example.com/plan"}
    assert api("build_lead", "post", "/products/payments-api/attestations", attest).status_code == 403
    assert Transition.objects.get().approvals.count() == 0 and not Waiver.objects.exists()


def test_h2_a_signoff_is_made_by_the_signer_only(api, world):
    """H2: POST /signoffs signed "I can support this" in the name of whoever the body named."""
    url = "/products/payments-api/signoffs"
    forged = api("member", "post", url, {"person": "erin@example.com", "comment": "forged"})
    assert forged.status_code == 403
    assert api("run_lead", "post", url, {"person": "erin@example.com"}).status_code == 403
    assert api("product_ops", "post", url, {"person": "erin@example.com"}).status_code == 403
    assert api("run_lead", "post", f"{url}/withdraw", {"person": "erin@example.com"}).status_code == 403
    mine = api("team_member", "post", url, {"comment": "trained"})
    assert mine.status_code == 200 and mine.json()["person"] == "erin@example.com"
    entry = AuditEntry.objects.get(action="support.sign")
    assert entry.actor == "erin@example.com" and "override" not in entry.changes
    # an admin on behalf of someone: only with a reason, recorded as such
    assert api("admin", "post", url, {"person": "bob@example.com"}).status_code == 403
    behalf = api("admin", "post", url, {"person": "bob@example.com", "reason": "Bob confirmed by phone"})
    assert behalf.status_code == 200
    entry = AuditEntry.objects.filter(action="support.sign").latest("id")
    assert entry.actor == "root@example.com" and entry.changes["override"] == [None, "Bob confirmed by phone"]


def test_h3_one_person_may_not_be_both_leads(api, world, prodops, tmp_path):
    """H3: apply and POST /products accepted build_lead == run_lead."""
    solo = {
        "slug": "solo4",
        "name": "S",
        "stage": "plan",
        "owners": {"build_lead": "alice@example.com", "run_lead": "Alice@example.com"},
    }
    r = api("product_ops", "post", "/products", solo)
    assert r.status_code == 422
    error = r.json()["detail"][0]
    assert "owners.build_lead" in error["msg"] and "owners.run_lead" in error["msg"]
    assert error["loc"] == ["body", "owners", "run_lead"]
    same = {"owners": {"build_lead": "bob@example.com", "run_lead": "bob@example.com"}}
    assert api("product_ops", "patch", "/products/payments-api", same, **{"If-Match": "*"}).status_code == 422
    manifest = tmp_path / "solo.yaml"
    manifest.write_text(
        "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: solo5, name: Solo}\n"
        "spec:\n  stage: plan\n  owners: {build_lead: alice@example.com, run_lead: alice@example.com}\n"
    )
    code, _, err = prodops("apply", "-f", str(manifest))
    assert code == 2
    assert "owners.build_lead" in err and "owners.run_lead" in err
    assert not Product.objects.filter(slug__in=["solo4", "solo5"]).exists()


def _lead_of_both(world: dict[str, Any]) -> Product:
    """Data written before the rule (or straight into the database): alice leads both roles."""
    product = world["product"]
    Product.objects.filter(pk=product.pk).update(run_lead=Person.objects.get(email="alice@example.com"))
    return Product.objects.get(pk=product.pk)


def test_h3_one_person_holding_both_roles_stands_for_one_only(api, world):
    _lead_of_both(world)
    t = api(
        "build_lead", "post", "/products/payments-api/transitions", {"to_stage": "plan", "reason": "back"}
    )
    assert t.status_code == 201
    first = api("build_lead", "post", f"/transitions/{t.json()['id']}/approve")
    assert first.status_code == 200 and first.json()["status"] == "pending"
    assert [a["role"] for a in first.json()["approvals"]] == ["build_lead"]
    again = api("build_lead", "post", f"/transitions/{t.json()['id']}/approve")
    assert again.status_code == 409 and "different person" in again.json()["detail"]
    waiver = {"criterion": "owners-named", "reason": "x", "expires_at": _expires()}
    w = api("build_lead", "post", "/products/payments-api/waivers", waiver)
    assert w.status_code == 201 and w.json()["in_force"] is False
    assert api("build_lead", "post", f"/waivers/{w.json()['id']}/sign").status_code == 409
    assert Waiver.objects.get().run_lead_signed_at is None


def test_approving_twice_adds_nothing(api, world):
    t = api("build_lead", "post", "/products/payments-api/transitions", {"to_stage": "pilot", "reason": "x"})
    url = f"/transitions/{t.json()['id']}/approve"
    assert api("build_lead", "post", url).status_code == 200
    again = api("build_lead", "post", url)
    assert again.status_code == 200 and len(again.json()["approvals"]) == 1
    assert AuditEntry.objects.filter(action="transition.approve").count() == 1


def test_read_only_token_never_writes(api, world):
    r = api("read_only", "patch", "/products/payments-api", {"tier": 1}, **{"If-Match": "*"})
    assert r.status_code == 403 and "read-only" in r.json()["detail"]


def test_apply_as_a_person_has_that_persons_rights(world, prodops, tmp_path):
    """The CLI acts as the local operator, or with --as EMAIL as that person (their role)."""
    manifest = tmp_path / "p.yaml"
    manifest.write_text(
        "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: legacy, name: Legacy}\n"
        "spec:\n  stage: operate\n  owners: {build_lead: alice@example.com, run_lead: bob@example.com}\n"
    )
    code, _, err = prodops("apply", "-f", str(manifest), "--as", "mei@example.com")
    assert code == 1 and "product.adopt" in err
    assert prodops("apply", "-f", str(manifest), "--as", "olga@example.com")[0] == 0
    entry = AuditEntry.objects.get(action="product.created", product__slug="legacy")
    assert (entry.actor, entry.via) == ("olga@example.com", "cli")
