"""Every write endpoint of the API by every identity, against what the policy documents
(docs/permissions.md is generated from the same ``policy.expected`` table).

The endpoints are found by walking the ninja API's registered operations, so a new write
endpoint of these apps without an entry in ``ENDPOINTS`` fails
``test_every_write_endpoint_is_declared``. To declare yours: add
``"METHOD /api/v1/path/{param}": Endpoint("<policy action>", body)`` (path parameters are
filled by ``_path``; add a setup there for a new kind of parameter). An endpoint whose
body carries the reason of an admin's override (a waiver's reason, a rejection's reason)
says ``reason_in_body=True``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from prodops.accounts import policy

pytestmark = pytest.mark.django_db

# The apps whose endpoints this matrix covers (the issue-10 write services).
APPS = ("catalog", "events", "knowledge", "lifecycle", "readiness", "risks")
PRODUCT = {"owners": {"build_lead": "alice@example.com", "run_lead": "bob@example.com"}}
LATER = (datetime.now(UTC) + timedelta(days=20)).isoformat()


@dataclass(frozen=True)
class Endpoint:
    action: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    reason_in_body: bool = False


ANY = {"If-Match": "*"}
DOC = {"kind": "runbook", "title": "Runbook", "url": "https://wiki.example.com/runbook"}
RISK = {"title": "One database", "likelihood": 2, "impact": 3, "next_review": "2027-01-10"}
KE = {"title": "Timeouts", "symptom": "Checkout hangs"}
EVENT = {"type": "deployment", "product": "payments-api", "id": "d1", "deployed_at": "2026-11-20T10:00:00Z"}

ENDPOINTS: dict[str, Endpoint] = {
    "POST /api/v1/products": Endpoint(
        "product.create", {"slug": "search", "name": "Search", "stage": "plan", **PRODUCT}
    ),
    "PUT /api/v1/products/{slug}": Endpoint(
        "product.edit", {"name": "Payments API", "stage": "build", "tier": 1, **PRODUCT}, ANY
    ),
    "PATCH /api/v1/products/{slug}": Endpoint("product.edit", {"tier": 1}, ANY),
    "DELETE /api/v1/products/{slug}": Endpoint("product.delete", None, ANY),
    "POST /api/v1/teams": Endpoint("team.manage", {"slug": "new", "name": "New", "kind": "run"}),
    "PATCH /api/v1/teams/{slug}": Endpoint("team.manage", {"name": "Renamed"}),
    "DELETE /api/v1/teams/{slug}": Endpoint("team.manage"),
    "POST /api/v1/people": Endpoint("person.manage", {"email": "new@example.com", "name": "New"}),
    "PATCH /api/v1/people/{email}": Endpoint("person.manage", {"name": "Renamed"}),
    "DELETE /api/v1/people/{email}": Endpoint("person.manage"),
    "PUT /api/v1/products/{slug}/facts": Endpoint("facts.set", {"coverage": 0.9}),
    "PATCH /api/v1/products/{slug}/facts": Endpoint("facts.set", {"coverage": 0.9}),
    "POST /api/v1/products/{slug}/attestations": Endpoint(
        "attestation.build_lead", {"criterion": "handover-plan", "evidence_url": "https://wiki.example.com/p"}
    ),
    "POST /api/v1/products/{slug}/waivers": Endpoint(
        "waiver.propose",
        {"criterion": "owners-named", "reason": "agreed", "expires_at": LATER},
        reason_in_body=True,
    ),
    "POST /api/v1/waivers/{waiver_id}/sign": Endpoint("waiver.sign"),
    "POST /api/v1/waivers/{waiver_id}/revoke": Endpoint("waiver.revoke"),
    "POST /api/v1/products/{slug}/transitions": Endpoint("transition.request", {"to_stage": "pilot"}),
    "POST /api/v1/transitions/{transition_id}/approve": Endpoint("transition.approve"),
    "POST /api/v1/transitions/{transition_id}/reject": Endpoint(
        "transition.reject", {"reason": "not yet"}, reason_in_body=True
    ),
    "POST /api/v1/transitions/{transition_id}/cancel": Endpoint("transition.cancel"),
    "POST /api/v1/products/{slug}/documents": Endpoint("evidence.edit", DOC),
    "PATCH /api/v1/products/{slug}/documents/{doc_id}": Endpoint("evidence.edit", {"title": "New"}),
    "DELETE /api/v1/products/{slug}/documents/{doc_id}": Endpoint("evidence.edit"),
    "POST /api/v1/products/{slug}/training": Endpoint(
        "evidence.edit", {"topic": "Runbook", "date": "2026-11-01", "attendees": []}
    ),
    "DELETE /api/v1/products/{slug}/training/{session_id}": Endpoint("evidence.edit"),
    "POST /api/v1/products/{slug}/signoffs": Endpoint("signoff.sign", {"comment": "ok"}),
    "POST /api/v1/products/{slug}/signoffs/withdraw": Endpoint("signoff.sign", {}),
    "PUT /api/v1/products/{slug}/support-estimate": Endpoint("evidence.edit", {"hours_per_week": 3}),
    "POST /api/v1/products/{slug}/risks": Endpoint("evidence.edit", RISK),
    "PATCH /api/v1/risks/{risk_id}": Endpoint("evidence.edit", {"title": "Two databases"}),
    "DELETE /api/v1/risks/{risk_id}": Endpoint("evidence.edit"),
    "POST /api/v1/products/{slug}/known-errors": Endpoint("evidence.edit", KE),
    "PATCH /api/v1/known-errors/{ke_id}": Endpoint("evidence.edit", {"title": "Slow"}),
    "DELETE /api/v1/known-errors/{ke_id}": Endpoint("evidence.edit"),
    "POST /api/v1/events": Endpoint("events.ingest", EVENT),
    "POST /api/v1/events/bulk": Endpoint("events.ingest", EVENT),
}
# Not a person's write: signed webhook deliveries act as Actor.webhook(source).
NOT_PERSONAL = {"POST /api/v1/webhooks/{source}"}


def write_operations() -> set[str]:
    from prodops.api import api

    found = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                app = operation.view_func.__module__.split(".")[1]
                if app not in APPS:
                    continue
                for method in operation.methods:
                    if method not in {"GET", "HEAD", "OPTIONS"}:
                        found.add(f"{method} /api/v1{prefix}{path}")
    return found


def test_every_write_endpoint_is_declared():
    found = write_operations()
    missing = sorted(found - set(ENDPOINTS) - NOT_PERSONAL)
    assert not missing, f"declare the policy action of these endpoints in ENDPOINTS: {missing}"
    assert not set(ENDPOINTS) - found, "ENDPOINTS names endpoints that no longer exist"
    for key, endpoint in ENDPOINTS.items():
        assert endpoint.action in policy.actions(), key


def _path(template: str, world: dict[str, Any]) -> str:
    """Fill the path parameters with objects made for the case, by the local operator."""
    from prodops.core.actors import Actor
    from prodops.knowledge import services as knowledge
    from prodops.lifecycle import services as lifecycle
    from prodops.readiness import services as readiness
    from prodops.risks import services as risks

    operator = Actor.cli("matrix setup")
    product = world["product"]
    values: dict[str, Any] = {"slug": "payments-api", "email": "mei@example.com"}
    if template.startswith("/api/v1/teams/"):
        values["slug"] = "pay-dev"
    if "{transition_id}" in template:
        values["transition_id"] = lifecycle.request_transition(
            actor=operator, product=product, to_stage="pilot"
        ).pk
    if "{waiver_id}" in template:
        values["waiver_id"] = readiness.create_waiver(
            actor=operator,
            product=product,
            criterion_id="owners-named",
            reason="setup",
            expires_at=datetime.now(UTC) + timedelta(days=10),
        ).pk
    if "{doc_id}" in template:
        values["doc_id"] = knowledge.create_document(actor=operator, product=product, **DOC).pk
    if "{session_id}" in template:
        values["session_id"] = knowledge.record_training(
            actor=operator, product=product, topic="t", date=datetime.now(UTC).date()
        ).pk
    if "{risk_id}" in template:
        values["risk_id"] = risks.create_risk(
            actor=operator, product=product, **{**RISK, "next_review": datetime.now(UTC).date()}
        ).pk
    if "{ke_id}" in template:
        values["ke_id"] = risks.create_known_error(actor=operator, product=product, **KE).pk
    return template.format(**values).removeprefix("/api/v1")


IDENTITIES = list(policy.IDENTITIES)


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("key", sorted(ENDPOINTS))
def test_the_api_answers_as_the_policy_says(api, world, key, identity):
    import json

    endpoint = ENDPOINTS[key]
    method, template = key.split(" ", 1)
    path = _path(template, world)
    rule = policy.actions()[endpoint.action].rule
    expected = policy.expected(rule, identity)
    if expected == "override" and endpoint.reason_in_body:
        expected = "yes"  # the body's reason is the override's reason, recorded with it
    who = None if identity == "anonymous" else ("team_member" if identity == "team_member" else identity)
    body = endpoint.body
    if key == "POST /api/v1/events/bulk":
        response = api(who, "post", path, None, **endpoint.headers)  # placeholder replaced below
        from django.test import Client

        headers = {"Authorization": f"Bearer {world['tokens'][who]}"} if who else {}
        response = Client().post(
            f"/api/v1{path}",
            data=json.dumps(body) + "\n",
            content_type="application/x-ndjson",
            headers=headers,
        )
    else:
        response = api(who, method.lower(), path, body, **endpoint.headers)
    status = response.status_code
    detail = f"{key} as {identity} ({rule}: {expected}) -> {status} {response.content[:300]!r}"
    if expected == "yes":
        assert status not in {401, 403}, detail
        assert status < 500, detail
    elif expected == "override":
        assert status == 403 and "reason" in response.json()["detail"], detail
    else:
        assert status == (401 if identity == "anonymous" else 403), detail
