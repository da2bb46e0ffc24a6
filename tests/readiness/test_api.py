"""The readiness and lifecycle API, as a CI pipeline or the web pages use it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from prodops.accounts.models import ApiToken, hash_token


def client_for(actor) -> Client:
    raw = ApiToken.generate()
    ApiToken.objects.create(user=actor.user, name="t", prefix=raw[:10], token_hash=hash_token(raw))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def clients(people):
    return {name: client_for(a) for name, a in people.items()}


def test_custom_facts_and_readiness(acme_product, clients):
    # Custom facts are gate evidence: someone who neither leads nor works on it may not set them.
    denied = clients["mallory"].patch(
        "/api/v1/products/pay/facts", {"coverage": 0.9}, content_type="application/json"
    )
    assert denied.status_code == 403
    api = clients["alice"]
    r = api.put("/api/v1/products/pay/facts", {"coverage": 0.91, "lint": 0}, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["facts"]["custom.coverage"] == 0.91
    r = api.get("/api/v1/products/pay/readiness")
    body = r.json()
    assert body["gate"] == "pilot" and body["blockers"] == ["slo"]
    assert {c["id"]: c["status"] for c in body["criteria"]}["coverage"] == "pass"
    r = api.put("/api/v1/products/pay/facts", {"bad key": 1}, content_type="application/json")
    assert r.status_code == 422 and "bad key" in r.json()["detail"][0]["msg"]
    assert api.get("/api/v1/products/pay/readiness?gate=moon").status_code == 422
    assert api.get("/api/v1/products/nope/readiness").status_code == 404


def test_waiver_flow_and_only_leads_sign(acme_product, clients):
    expires = (timezone.now() + timedelta(days=30)).date().isoformat()
    body = {"criterion": "coverage", "reason": "Legacy code", "expires_at": expires}
    assert (
        clients["mallory"]
        .post("/api/v1/products/pay/waivers", body, content_type="application/json")
        .status_code
        == 403
    )
    r = clients["alice"].post("/api/v1/products/pay/waivers", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["in_force"] is False
    wid = r.json()["id"]
    assert clients["mallory"].post(f"/api/v1/waivers/{wid}/sign").status_code == 403
    r = clients["bob"].post(f"/api/v1/waivers/{wid}/sign")
    assert r.status_code == 200 and r.json()["in_force"] is True
    statuses = {
        c["id"]: c["status"] for c in clients["bob"].get("/api/v1/products/pay/readiness").json()["criteria"]
    }
    assert statuses["coverage"] == "waived"
    too_long = {**body, "expires_at": (timezone.now() + timedelta(days=200)).date().isoformat()}
    r = clients["alice"].post("/api/v1/products/pay/waivers", too_long, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "expires_at"]


def test_attestation_and_transition_over_the_api(acme_product, clients):
    r = clients["bob"].post(
        "/api/v1/products/pay/attestations",
        {"criterion": "accepted", "evidence_url": "https://wiki.example.com/ok"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["expires_at"]
    r = clients["alice"].post(
        "/api/v1/products/pay/transitions", {"to_stage": "pilot"}, content_type="application/json"
    )
    assert r.status_code == 201
    tid = r.json()["id"]
    assert clients["mallory"].post(f"/api/v1/transitions/{tid}/approve").status_code == 403
    clients["alice"].post(f"/api/v1/transitions/{tid}/approve")
    r = clients["bob"].post(f"/api/v1/transitions/{tid}/approve")
    body = r.json()
    assert body["status"] == "refused" and "coverage" in body["refusal"]
    assert body["snapshot"]["ready"] is False and len(body["approvals"]) == 2
    r = clients["alice"].post(
        "/api/v1/products/pay/transitions", {"to_stage": "launch"}, content_type="application/json"
    )
    assert r.status_code == 422


def test_standards_listing(db, clients):
    r = clients["mallory"].get("/api/v1/standards/default")
    assert r.status_code == 200 and len(r.json()["criteria"]) >= 35
    assert clients["mallory"].get("/api/v1/standards/nope").status_code == 404


def test_readiness_and_lifecycle_errors_are_mapped_once(acme_product, clients):
    """The routers raise ``prodops.core.errors``; the one handler in ``prodops.api``
    answers: a 422 locates the field (in the query when it came from there), a refusal
    by the policy is a 403 with its code, an unknown standard a 404 with its code."""
    api = clients["alice"]
    r = api.get("/api/v1/products/pay/readiness?gate=moon")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "gate"]
    assert "'moon' is not a gate" in r.json()["detail"][0]["msg"]
    r = api.get("/api/v1/waivers?expiring=soon")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "expiring"]
    r = api.get("/api/v1/standards/nope")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = clients["mallory"].post(
        "/api/v1/products/pay/attestations",
        {"criterion": "accepted", "evidence_url": "https://wiki.example.com/ok"},
        content_type="application/json",
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden" and r.json()["detail"]
    r = api.post("/api/v1/products/pay/transitions", {"to_stage": "moon"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "to_stage"]
    r = api.post("/api/v1/products/pay/transitions", {"to_stage": "pilot"}, content_type="application/json")
    tid = r.json()["id"]
    r = clients["mallory"].post(f"/api/v1/transitions/{tid}/approve")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
