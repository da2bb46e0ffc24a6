"""A waiver names the risk it accepts by a link into the risk register, not free text.

Issue 10, item 7: ``risk`` was any text ("RISK-12", a URL, a typo), so a waiver could cite
a risk that does not exist. Now a missing risk (or another product's) is a 422 naming the
field ``risk`` and nothing is stored; old text is migrated (``RISK-<id>`` linked when the
product has that risk, anything else kept in the reason).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from prodops.readiness.models import Waiver
from prodops.risks.services import create_risk
from tests.readiness.test_api import clients  # noqa: F401 - the shared fixture

LATER = date.today() + timedelta(days=30)


def waiver_body(**extra):
    expires = (timezone.now() + timedelta(days=30)).date().isoformat()
    return {"criterion": "coverage", "reason": "Legacy code", "expires_at": expires, **extra}


def test_a_waiver_names_a_risk_of_the_register(acme_product, clients, actor, make_product):  # noqa: F811
    risk = create_risk(
        actor=actor, product=acme_product, title="Untested", likelihood=3, impact=3, next_review=LATER
    )
    other = create_risk(
        actor=actor,
        product=make_product("other"),
        title="Someone else's risk",
        likelihood=3,
        impact=3,
        next_review=LATER,
    )
    api = clients["alice"]
    for ref in ("RISK-999999", f"RISK-{other.pk}", "a typo", "https://risks.example.com/12"):
        r = api.post("/api/v1/products/pay/waivers", waiver_body(risk=ref), content_type="application/json")
        assert r.status_code == 422, (ref, r.content)
        assert r.json()["detail"][0]["loc"] == ["body", "risk"]
    assert not Waiver.objects.exists()

    r = api.post("/api/v1/products/pay/waivers", waiver_body(risk=risk.ref), content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["risk"] == risk.ref and r.json()["risk_id"] == risk.pk
    assert Waiver.objects.get().risk == risk
    # the id alone works too, and no risk at all
    r = api.post("/api/v1/products/pay/waivers", waiver_body(risk=risk.pk), content_type="application/json")
    assert r.status_code == 201 and r.json()["risk_id"] == risk.pk
    r = api.post("/api/v1/products/pay/waivers", waiver_body(), content_type="application/json")
    assert r.status_code == 201 and r.json()["risk"] == "" and r.json()["risk_id"] is None


def test_a_risk_a_waiver_accepted_cannot_be_deleted(acme_product, clients, actor):  # noqa: F811
    risk = create_risk(
        actor=actor, product=acme_product, title="Untested", likelihood=3, impact=3, next_review=LATER
    )
    clients["alice"].post(
        "/api/v1/products/pay/waivers", waiver_body(risk=risk.ref), content_type="application/json"
    )
    r = clients["root"].delete(f"/api/v1/risks/{risk.pk}")
    assert r.status_code == 409 and "linked to a waiver" in r.json()["detail"]
    assert Waiver.objects.get().risk_id == risk.pk


@pytest.mark.django_db(transaction=True)
def test_migration_links_risk_references_and_keeps_other_text(make_product):
    executor = MigrationExecutor(connection)
    risks = executor.loader.graph.leaf_nodes("risks")
    before = [("readiness", "0003_pending_evaluations"), *risks]
    after = [*executor.loader.graph.leaf_nodes("readiness"), *risks]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    product = make_product("pay")
    Risk = old.get_model("risks", "Risk")
    OldWaiver = old.get_model("readiness", "Waiver")
    risk = Risk.objects.create(
        product_id=product.pk, title="t", likelihood=1, impact=1, score=1, next_review=LATER
    )
    now = timezone.now()
    texts = [f"RISK-{risk.pk}", f"risk {risk.pk}", "RISK-999999", "https://jira.example.com/R-1", ""]
    for i, text in enumerate(texts):
        OldWaiver.objects.create(
            product_id=product.pk,
            criterion=f"c{i}",
            reason="because",
            risk=text,
            expires_at=now + timedelta(days=5),
            created_by="x",
            created_at=now,
        )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    got = {w.criterion: (w.risk_id, w.reason) for w in Waiver.objects.all()}
    assert got == {
        "c0": (risk.pk, "because"),
        "c1": (risk.pk, "because"),
        "c2": (None, "because (linked risk: RISK-999999)"),
        "c3": (None, "because (linked risk: https://jira.example.com/R-1)"),
        "c4": (None, "because"),
    }
