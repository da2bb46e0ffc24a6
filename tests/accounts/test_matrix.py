"""Every write endpoint of the API by every identity, against what the policy documents
(docs/permissions.md is generated from the same ``policy.expected`` table).

The endpoints are found by walking **all** the ninja API's registered operations (every
app's router), so a new write endpoint anywhere without an entry here fails
``test_every_write_endpoint_is_declared``. To declare yours: add
``"METHOD /api/v1/path/{param}": Endpoint("<policy action>", body)`` to ``ENDPOINTS``
(path parameters are filled by ``_path``; add a setup there for a new kind of parameter).
An endpoint whose body carries the reason of an admin's override (a waiver's reason, a
rejection's reason) says ``reason_in_body=True``. An endpoint that no identity authorizes
(a webhook signed by a shared secret) or that writes nothing (a computation over the posted
data) goes in ``NOT_PERSONAL`` or ``COMPUTES_ONLY`` with its reason.

One test per endpoint: the world (people, users, tokens, teams, a product) is built once
and each identity's request runs in a savepoint that is rolled back, so every identity
meets the same state and the matrix stays quick (9 identities x every endpoint).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from prodops.accounts import policy

pytestmark = pytest.mark.django_db

PRODUCT = {"owners": {"build_lead": "alice@example.com", "run_lead": "bob@example.com"}}
LATER = (datetime.now(UTC) + timedelta(days=20)).isoformat()
OUTSIDER = "zoe@example.com"  # a person who is none of the identities (a playbook step's assignee)


@dataclass(frozen=True)
class Endpoint:
    action: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    reason_in_body: bool = False
    content_type: str = "application/json"
    # An allowed identity may meet a conflict with the state (409) rather than a 2xx: e.g.
    # signing what its role has signed already. Anything else allowed must be a 2xx.
    conflict_ok: bool = False


ANY = {"If-Match": "*"}
DOC = {"kind": "runbook", "title": "Runbook", "url": "https://wiki.example.com/runbook"}
RISK = {"title": "One database", "likelihood": 2, "impact": 3, "next_review": "2027-01-10"}
KE = {"title": "Timeouts", "symptom": "Checkout hangs"}
EVENT = {"type": "deployment", "product": "payments-api", "id": "d1", "deployed_at": "2026-11-20T10:00:00Z"}
PILOT_PLAN: dict[str, Any] = {
    "start": "2026-11-01",
    "min_days": 14,
    "cohorts": [{"name": "staff", "kind": "internal", "planned_size": 1000}],
    "criteria": [
        {"id": "ok", "metric": "checkout-ok", "kind": "proportion", "threshold": 0.95, "min_sample": 100}
    ],
}
PLAYBOOK_SPEC: dict[str, Any] = {
    "steps": [
        {"id": "walk", "title": "Walk through the runbook", "assignee": OUTSIDER, "required": True},
        {"id": "cake", "title": "Bring cake", "assignee": OUTSIDER, "required": False},
    ],
    "done_when": "run.required_open == 0",
}
CHANNEL = {"type": "email", "url": "mailto:ops@example.com", "events": ["transition.requested"]}
RANKING = {"delight": 1, "adoption": 2, "retention": 3, "support": 4}

ENDPOINTS: dict[str, Endpoint] = {
    # catalog
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
    "DELETE /api/v1/teams/{slug}": Endpoint("team.manage"),  # a team that owns no product
    "POST /api/v1/people": Endpoint("person.manage", {"email": "new@example.com", "name": "New"}),
    "PATCH /api/v1/people/{email}": Endpoint("person.manage", {"name": "Renamed"}),
    "DELETE /api/v1/people/{email}": Endpoint("person.manage"),
    # readiness
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
    # lifecycle
    "POST /api/v1/products/{slug}/transitions": Endpoint("transition.request", {"to_stage": "pilot"}),
    "POST /api/v1/transitions/{transition_id}/approve": Endpoint("transition.approve"),
    "POST /api/v1/transitions/{transition_id}/reject": Endpoint(
        "transition.reject", {"reason": "not yet"}, reason_in_body=True
    ),
    "POST /api/v1/transitions/{transition_id}/cancel": Endpoint("transition.cancel"),
    # knowledge
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
    # risks
    "POST /api/v1/products/{slug}/risks": Endpoint("evidence.edit", RISK),
    "PATCH /api/v1/risks/{risk_id}": Endpoint("evidence.edit", {"title": "Two databases"}),
    "DELETE /api/v1/risks/{risk_id}": Endpoint("evidence.edit"),
    "POST /api/v1/products/{slug}/known-errors": Endpoint("evidence.edit", KE),
    "PATCH /api/v1/known-errors/{ke_id}": Endpoint("evidence.edit", {"title": "Slow"}),
    "DELETE /api/v1/known-errors/{ke_id}": Endpoint("evidence.edit"),
    # events
    "POST /api/v1/events": Endpoint("events.ingest", EVENT),
    "POST /api/v1/events/bulk": Endpoint(
        "events.ingest", json.dumps(EVENT) + "\n", content_type="application/x-ndjson"
    ),
    # comments
    "POST /api/v1/products/{slug}/comments": Endpoint("comment.create", {"body": "Looks good"}),
    # alignment: every identity is a stakeholder of the product (see _path)
    "POST /api/v1/products/{slug}/alignment/responses": Endpoint(
        "alignment.respond", {"function": "engineering", "ranking": RANKING}
    ),
    "POST /api/v1/products/{slug}/alignment/rounds": Endpoint("alignment.round.open"),
    # campaigns
    "POST /api/v1/campaigns": Endpoint(
        "campaign.manage",
        {"slug": "tracing", "name": "Tracing", "start": "2026-12-01", "target": "2027-03-01"},
    ),
    # improvement
    "PATCH /api/v1/retrospectives/{pk}": Endpoint("retrospective.edit", {"went_well": "Early runbook"}),
    "POST /api/v1/retrospectives/{pk}/actions": Endpoint(
        "action_item.edit", {"title": "Alert on lag", "owner": "bob@example.com", "due": "2027-01-15"}
    ),
    "PATCH /api/v1/action-items/{pk}": Endpoint("action_item.edit", {"status": "done"}),
    # notifications
    "POST /api/v1/notifications/read": Endpoint("notification.read_own", "null"),  # null: all of mine
    "PUT /api/v1/notifications/preferences": Endpoint(
        "notification.preferences", {"event": "transition.approved", "mode": "off"}
    ),
    "PUT /api/v1/notifications/digest": Endpoint(
        "notification.preferences", {"hour": 7, "time_zone": "Europe/Berlin"}
    ),
    "PUT /api/v1/channels/{slug}": Endpoint("channel.manage", CHANNEL),
    "POST /api/v1/channels/{slug}/test": Endpoint("channel.test"),
    # pilots (the product has a pilot plan, see _path)
    "PUT /api/v1/products/{slug}/pilot/plan": Endpoint("pilot.plan", {**PILOT_PLAN, "min_days": 21}),
    "POST /api/v1/products/{slug}/pilot/observations": Endpoint(
        "pilot.observe", {"metric": "checkout-ok", "cohort": "staff", "successes": 95, "trials": 100}
    ),
    "POST /api/v1/products/{slug}/pilot/observations.csv": Endpoint(
        "pilot.observe", "metric,cohort,successes,trials\ncheckout-ok,staff,95,100\n", content_type="text/csv"
    ),
    "POST /api/v1/products/{slug}/pilot/feedback": Endpoint("pilot.feedback", {"rating": 4, "text": "Fast"}),
    "POST /api/v1/products/{slug}/pilot/decisions": Endpoint(
        "pilot.decide", {"outcome": "extend", "reason": "more data"}
    ),
    # The setup's decision is signed for the build lead already (an operator's override):
    # the build lead meets "already signed" (409), the run lead signs.
    "POST /api/v1/products/{slug}/pilot/decisions/{pk}/sign": Endpoint("pilot.decide", conflict_ok=True),
    # playbooks (a run of the product with steps assigned to an outsider, see _path)
    "PUT /api/v1/playbooks/{slug}": Endpoint("playbook.manage", {"name": "Matrix", "spec": PLAYBOOK_SPEC}),
    "POST /api/v1/playbooks/{slug}/runs": Endpoint("playbook.start", {"product": "payments-api"}),
    "POST /api/v1/playbook-runs/{run_id}/steps/{step_id}/start": Endpoint("playbook.step.do"),
    "POST /api/v1/playbook-runs/{run_id}/steps/{step_id}/done": Endpoint(
        "playbook.step.do", {"note": "did it"}
    ),
    "POST /api/v1/playbook-runs/{run_id}/steps/{step_id}/skip": Endpoint(
        "playbook.step.skip_required", {"reason": "done elsewhere"}
    ),
    # The run's required step is open: an allowed identity meets "not done" (409).
    "POST /api/v1/playbook-runs/{run_id}/close": Endpoint("playbook.close", conflict_ok=True),
}
# Not a person's write: signed webhook deliveries act as Actor.webhook(source); no token
# or session authorizes them (checked below: every identity without the secret is refused).
NOT_PERSONAL = {"POST /api/v1/webhooks/{source}": "signed with the source's shared secret, not by identity"}
# POSTs that store nothing (a computation over the posted data): anyone signed in, except
# a read-only token, which is refused every POST at authentication.
COMPUTES_ONLY = {
    "POST /api/v1/warranty/estimate": {"times": [1.0, 3.0, 7.0, 15.0, 30.0], "observed_until": 40.0},
}


def write_operations() -> dict[str, str]:
    """Every write operation of the API, of every app: ``{"METHOD /api/v1/path": app}``."""
    from prodops.api import api

    found = {}
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    if method not in {"GET", "HEAD", "OPTIONS"}:
                        found[f"{method} /api/v1{prefix}{path}"] = operation.view_func.__module__
    return found


def test_every_write_endpoint_is_declared():
    from django.conf import settings

    found = write_operations()
    # Sanity of the walk itself: it sees the routers of the apps, not only a few.
    apps_with_writes = {module.split(".")[1] for module in found.values()}
    assert {"catalog", "pilots", "playbooks", "notifications", "improvement"} <= apps_with_writes
    assert apps_with_writes <= {app.split(".")[1] for app in settings.PRODOPS_APPS}
    declared = set(ENDPOINTS) | set(NOT_PERSONAL) | set(COMPUTES_ONLY)
    missing = sorted(set(found) - declared)
    assert not missing, f"declare the policy action of these endpoints in ENDPOINTS: {missing}"
    assert not declared - set(found), (
        f"declared endpoints that no longer exist: {sorted(declared - set(found))}"
    )
    for key, endpoint in ENDPOINTS.items():
        assert endpoint.action in policy.actions(), key


def _setup_playbook_run(product: Any) -> Any:
    from prodops.catalog.services import upsert_person
    from prodops.core.actors import Actor
    from prodops.playbooks import services as playbooks

    operator = Actor.cli("matrix setup")
    upsert_person(actor=operator, email=OUTSIDER, name="Zoe")
    playbooks.apply_playbook(actor=operator, slug="matrix", name="Matrix", spec=PLAYBOOK_SPEC)
    return playbooks.start_run(actor=operator, playbook=playbooks.get_playbook("matrix"), product=product)


def _setup_retrospective(product: Any) -> Any:
    from django.utils import timezone

    from prodops.improvement import services as improvement
    from prodops.lifecycle.models import Transition

    now = timezone.now()
    transition = Transition.objects.create(
        product=product,
        from_stage="pilot",
        to_stage="warranty",
        kind=Transition.Kind.ADVANCE,
        status=Transition.Status.EXECUTED,
        requested_by="matrix setup",
        requested_at=now,
        decided_at=now,
    )
    return improvement.open_retrospective(transition=transition)


def _path(template: str, world: dict[str, Any], method: str = "") -> str:
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
        if method == "DELETE":
            from prodops.catalog.schemas import TeamSpec
            from prodops.catalog.services import upsert_team

            upsert_team(actor=operator, slug="spare", name="Spare", spec=TeamSpec(kind="run"))
            values["slug"] = "spare"
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
    if "/signoffs" in template:
        # Signing is for run-team members: everyone joins it for this case, and has
        # signed already when the case is the withdrawal.
        from prodops.catalog.models import Person, Team

        team = Team.objects.get(slug="pay-run")
        team.members.add(*Person.objects.all())
        if template.endswith("/withdraw"):
            for person in Person.objects.all():
                knowledge.sign_support(actor=operator, product=product, person_email=person.email)
    if "/alignment/" in template:
        from prodops.catalog.models import Person, Stakeholder

        for person in Person.objects.all():
            Stakeholder.objects.get_or_create(product=product, person=person, function="engineering")
    if "/pilot/" in template:
        from prodops.pilots import services as pilots

        pilots.set_plan(actor=operator, product=product, plan=PILOT_PLAN)
        if "/decisions/{pk}" in template:
            values["pk"] = pilots.propose_decision(
                actor=operator.with_reason("matrix setup"), product=product, outcome="proceed"
            ).pk
    if template.startswith(("/api/v1/retrospectives/", "/api/v1/action-items/")):
        from prodops.improvement import services as improvement

        retro = _setup_retrospective(product)
        values["pk"] = retro.pk
        if template.startswith("/api/v1/action-items/"):
            values["pk"] = improvement.add_action(
                actor=operator, retro=retro, title="t", owner="bob@example.com", due=datetime.now(UTC).date()
            ).pk
    if template.startswith("/api/v1/channels/"):
        from prodops.notifications import services as notifications

        values["slug"] = "ops-hook"
        if template.endswith("/test"):
            notifications.save_channel(
                actor=operator,
                data=notifications.ChannelData(
                    slug="ops-hook", name="Ops", secret={}, products={}, **CHANNEL
                ),
            )
    if template.startswith("/api/v1/playbooks/"):
        values["slug"] = "matrix-new"
        if template.endswith("/runs"):
            _setup_playbook_run(product)
            values["slug"] = "matrix"
    if template.startswith("/api/v1/playbook-runs/"):
        values["run_id"] = _setup_playbook_run(product).pk
        values["step_id"] = "walk"
    return template.format(**values).removeprefix("/api/v1")


IDENTITIES = list(policy.IDENTITIES)


def _send(world: dict[str, Any], identity: str, method: str, path: str, endpoint: Endpoint) -> Any:
    headers = dict(endpoint.headers)
    if identity != "anonymous":
        headers["Authorization"] = f"Bearer {world['tokens'][identity]}"
    kwargs: dict[str, Any] = {"headers": headers}
    if endpoint.body is not None:
        body = endpoint.body
        data = body if isinstance(body, str) else json.dumps(body)
        kwargs.update(data=data, content_type=endpoint.content_type)
    return getattr(Client(), method.lower())(f"/api/v1{path}", **kwargs)


def _verdict(endpoint: Endpoint, key: str, identity: str, response: Any) -> str | None:
    """What is wrong with this identity's answer (None when it matches the policy)."""
    rule = policy.actions()[endpoint.action].rule
    expected = policy.expected(rule, identity)
    if expected == "override" and endpoint.reason_in_body:
        expected = "yes"  # the body's reason is the override's reason, recorded with it
    status = response.status_code
    answer = f"{status} {response.content[:200]!r}"
    detail = f"{key} as {identity} ({endpoint.action}: {rule} -> {expected}) answered {answer}"
    if expected == "yes":
        good = 200 <= status < 300 or (endpoint.conflict_ok and status == 409)
    elif expected == "override":
        good = status == 403 and "reason" in response.json()["detail"]
    else:
        good = status == (401 if identity == "anonymous" else 403)
    return None if good else detail


@pytest.mark.parametrize("key", sorted(ENDPOINTS))
def test_the_api_answers_as_the_policy_says(world, key):
    """Each identity in turn, in a savepoint rolled back after its request."""
    endpoint = ENDPOINTS[key]
    method, template = key.split(" ", 1)
    wrong = []
    for identity in IDENTITIES:
        with transaction.atomic():
            path = _path(template, world, method)
            response = _send(world, identity, method, path, endpoint)
            transaction.set_rollback(True)
        problem = _verdict(endpoint, key, identity, response)
        if problem:
            wrong.append(problem)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("key", sorted(COMPUTES_ONLY))
def test_a_computation_answers_anyone_signed_in_with_a_write_token(world, key):
    from prodops.audit.models import AuditEntry

    method, template = key.split(" ", 1)
    endpoint = Endpoint("product.view", COMPUTES_ONLY[key])
    before = AuditEntry.objects.count()
    for identity in IDENTITIES:
        status = _send(world, identity, method, template.removeprefix("/api/v1"), endpoint).status_code
        want = {"anonymous": 401, "read_only": 403}.get(identity, 200)
        assert status == want, f"{key} as {identity}: {status}, expected {want}"
    assert AuditEntry.objects.count() == before  # it stored nothing


def test_a_webhook_is_refused_to_every_identity_without_the_secret(world):
    """No token or session stands in for a webhook's signature."""
    from prodops.events.models import WebhookDelivery

    for identity in IDENTITIES:
        response = _send(
            world,
            identity,
            "POST",
            "/webhooks/github",
            Endpoint("events.ingest", {"zen": "hi"}, {"X-GitHub-Event": "ping"}),
        )
        assert response.status_code in {400, 401, 404}, f"{identity}: {response.status_code}"
    assert not WebhookDelivery.objects.exists()
