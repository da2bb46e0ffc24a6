"""The risk register and known errors: facts against hand-computed values, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from prodops.core import facts
from prodops.core.errors import InvalidInput
from prodops.risks import services
from prodops.risks.models import KnownError, Risk

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
LATER = TODAY + timedelta(days=30)


@pytest.fixture
def product(make_product):
    return make_product("payments-api")


def test_risk_facts_hand_computed(product, actor, make_product):
    def risk(title, likelihood, impact, status="open", review=LATER):
        return services.create_risk(
            actor=actor,
            product=product,
            title=title,
            likelihood=likelihood,
            impact=impact,
            status=status,
            next_review=review,
        )

    risk("A", 3, 5)  # 15, open: open high
    risk("B", 5, 5)  # 25, open: open high
    risk("C", 4, 3)  # 12, open: not high
    risk("D", 5, 4, status="mitigating")  # 20 but being mitigated
    risk("E", 5, 5, status="accepted", review=TODAY - timedelta(days=1))  # accepted; review overdue
    risk("F", 5, 5, status="closed", review=TODAY - timedelta(days=90))  # closed: ignored everywhere
    risk("G", 1, 1, review=TODAY)  # due today: not yet overdue
    other = make_product("ledger")
    services.create_risk(actor=actor, product=other, title="X", likelihood=5, impact=5, next_review=LATER)
    values = facts.compute([product.id], NOW)[product.id]
    assert values["risks.open_high"] == 2
    assert values["risks.open"] == 6
    assert values["risks.unreviewed"] == 1
    assert Risk.objects.get(title="A").score == 15


def test_known_error_facts_hand_computed(product, actor):
    def ke(title, workaround="", status="open"):
        return services.create_known_error(
            actor=actor,
            product=product,
            title=title,
            symptom=f"{title} symptom",
            workaround=workaround,
            status=status,
        )

    ke("one", workaround="Restart the worker")
    ke("two")
    ke("three", workaround="   ")  # whitespace only is no workaround
    ke("four", status="resolved")  # resolved errors need no workaround
    values = facts.compute([product.id], NOW)[product.id]
    assert values["known_errors.open"] == 3
    assert values["known_errors.without_workaround"] == 2


def test_risk_score_follows_updates_and_stable_id(product, actor):
    risk = services.create_risk(
        actor=actor, product=product, title="Vendor outage", likelihood=2, impact=5, next_review=LATER
    )
    assert risk.ref == f"RISK-{risk.pk}"
    assert services.update_risk(actor=actor, risk=risk, likelihood=4) is True
    risk.refresh_from_db()
    assert risk.score == 20
    assert facts.compute([product.id], NOW)[product.id]["risks.open_high"] == 1
    services.update_risk(actor=actor, risk=risk, status="accepted")
    assert facts.compute([product.id], NOW)[product.id]["risks.open_high"] == 0


@pytest.mark.parametrize(
    ("field", "value"), [("likelihood", 7), ("impact", 0), ("status", "ignored"), ("title", "")]
)
def test_bad_risk_is_refused_and_nothing_saved(product, actor, field, value):
    data = {"title": "Vendor outage", "likelihood": 3, "impact": 3, "next_review": LATER, field: value}
    with pytest.raises(InvalidInput) as err:
        services.create_risk(actor=actor, product=product, **data)
    assert err.value.field == field
    assert not Risk.objects.exists()


def test_api_risk_with_likelihood_7_is_422(api, product):
    url = f"/api/v1/products/{product.slug}/risks"
    body = {"title": "Vendor outage", "likelihood": 7, "impact": 3, "next_review": "2026-12-01"}
    response = api.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "likelihood"]
    assert not Risk.objects.exists()
    body["likelihood"] = 4
    created = api.post(url, json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    risk_id = created.json()["id"]
    assert created.json()["score"] == 12
    assert api.get(f"/api/v1/risks/{risk_id}").json()["ref"] == f"RISK-{risk_id}"
    patched = api.patch(
        f"/api/v1/risks/{risk_id}", json.dumps({"impact": 9}), content_type="application/json"
    )
    assert patched.status_code == 422
    assert Risk.objects.get().impact == 3


def test_api_known_error_without_symptom_is_422(api, product):
    url = f"/api/v1/products/{product.slug}/known-errors"
    response = api.post(url, json.dumps({"title": "Stuck", "symptom": " "}), content_type="application/json")
    assert response.status_code == 422
    assert not KnownError.objects.exists()


def test_accepted_risk_links_to_the_waivers_citing_it(api, product, actor):
    from django.utils import timezone

    from prodops.knowledge.handover import build_pack, render
    from prodops.readiness.models import Waiver

    risk = services.create_risk(
        actor=actor,
        product=product,
        title="Vendor outage",
        likelihood=5,
        impact=4,
        status="accepted",
        next_review=LATER,
    )
    now = timezone.now()
    common = {
        "product": product,
        "reason": "Vendor SLA covers it",
        "created_by": "alice@example.com",
        "created_at": now,
    }
    Waiver.objects.create(
        criterion="no-open-high-risks", risk=risk, expires_at=now + timedelta(days=30), **common
    )
    Waiver.objects.create(
        criterion="support-capacity", risk=risk, expires_at=now - timedelta(days=1), **common
    )  # expired: no longer relies on anything
    Waiver.objects.create(criterion="runbook", expires_at=now + timedelta(days=30), **common)
    assert [w.criterion for w in services.waivers_relying_on(risk)] == ["no-open-high-risks"]
    assert api.get(f"/api/v1/risks/{risk.pk}").json()["waivers"] == ["no-open-high-risks"]
    pack = build_pack(product=product)
    assert [w["criterion"] for w in pack.risks[0]["waivers"]] == ["no-open-high-risks"]
    assert "waives `no-open-high-risks`" in render(pack, "md").decode()
