"""Retrospectives opened by transitions (with their data snapshot), notes, the run
team's feedback and action items, through the services, the API and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from prodops.accounts.models import ApiToken, hash_token
from prodops.core.errors import InvalidInput, PermissionDenied, Refused
from prodops.events.models import Incident
from prodops.improvement import services
from prodops.improvement.models import ActionItem, Retrospective
from prodops.lifecycle import services as lifecycle
from tests.readiness.conftest import make_actor

T0 = datetime(2026, 6, 1, 10, tzinfo=UTC)
EASY = {
    "criteria": [
        {"id": "owners", "gate": "build", "rule": "owners.complete"},
        {"id": "owners-pilot", "gate": "pilot", "rule": "owners.complete"},
        {"id": "ready", "gate": "warranty", "rule": "custom.ready == true"},
        {"id": "owners-operate", "gate": "operate", "rule": "owners.complete"},
    ]
}


def client_for(actor) -> Client:
    raw = ApiToken.generate()
    ApiToken.objects.create(user=actor.user, name="t", prefix=raw[:10], token_hash=hash_token(raw))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def move(product, people, stage, at):
    t = lifecycle.request_transition(actor=people["alice"], product=product, to_stage=stage, now=at)
    lifecycle.approve_transition(actor=people["alice"], transition=t, now=at)
    lifecycle.approve_transition(actor=people["bob"], transition=t, now=at)
    t.refresh_from_db()
    product.refresh_from_db()
    return t


@pytest.fixture
def easy_product(db, make_product, actor):
    from prodops.readiness.services import apply_standard

    apply_standard(actor=actor, slug="easy", name="Easy", spec=EASY)
    return make_product("shop", standard="easy", stage="plan", go_live=date(2026, 6, 20))


def test_transition_into_warranty_opens_a_retrospective_with_its_snapshot(easy_product, people):
    from prodops.readiness.services import create_waiver, sign_waiver

    product = easy_product
    move(product, people, "build", T0)
    move(product, people, "pilot", T0 + timedelta(days=10))
    assert not Retrospective.objects.exists()  # only warranty, operate and handbacks open one
    refused = move(product, people, "warranty", T0 + timedelta(days=20))
    assert refused.status == "refused"
    waiver = create_waiver(
        actor=people["alice"],
        product=product,
        criterion_id="ready",
        reason="load test next week",
        expires_at=T0 + timedelta(days=90),
        now=T0 + timedelta(days=24),
    )
    sign_waiver(actor=people["bob"], waiver=waiver, now=T0 + timedelta(days=24))
    went = move(product, people, "warranty", T0 + timedelta(days=25))
    assert went.status == "executed"
    retro = Retrospective.objects.get(product=product)
    assert retro.transition == went and retro.trigger == "warranty" and retro.status == "open"
    assert retro.due == date(2026, 6, 26) + timedelta(days=14)
    snap = retro.snapshot
    assert snap["planned"]["go_live"] == "2026-06-20"
    assert snap["actual"] == {"build": "2026-06-01", "pilot": "2026-06-11", "warranty": "2026-06-26"}
    assert len(snap["refusals_before_gate"]) == 1 and "ready" in snap["refusals_before_gate"][0]["why"]
    assert snap["waivers_used"] == ["ready"]
    # Into operate: the second retrospective has the warranty's actual end and early incidents.
    Incident.objects.create(product=product, external_id="i1", opened_at=T0 + timedelta(days=30))
    Incident.objects.create(product=product, external_id="i2", opened_at=T0 + timedelta(days=130))
    move(product, people, "operate", T0 + timedelta(days=60))
    second = Retrospective.objects.get(product=product, trigger="operate")
    assert second.snapshot["warranty"]["actual_end"] == "2026-07-31"
    assert second.snapshot["incidents_first_90_days"] == {
        "go_live": "2026-06-26",
        "count": 1,
        "days_observed": 35,
    }
    from prodops.notifications.models import Notification

    assert Notification.objects.filter(event="retrospective.opened", product=product).count() == 2


def test_handback_opens_a_retrospective(easy_product, people):
    product = easy_product
    product.stage = "operate"
    product.save()
    t = lifecycle.request_transition(
        actor=people["bob"], product=product, to_stage="warranty", reason="paged to death", now=T0
    )
    lifecycle.approve_transition(actor=people["alice"], transition=t, now=T0)
    lifecycle.approve_transition(actor=people["bob"], transition=t, now=T0)
    retro = Retrospective.objects.get(product=product)
    assert retro.trigger == "handback" and retro.snapshot["trigger"] == "handback"
    # Idempotent: opening again returns the same one.
    t.refresh_from_db()
    assert services.open_retrospective(transition=t) == retro


def test_notes_feedback_actions_and_overdue_for_the_owner(easy_product, people, make_person):
    product = easy_product
    product.stage = "pilot"
    product.save()
    make_person("carol@example.com")
    product.refresh_from_db()
    t = lifecycle.request_transition(actor=people["alice"], product=product, to_stage="warranty", now=T0)
    from prodops.readiness.services import set_custom_facts

    set_custom_facts(actor=people["alice"], product=product, facts={"ready": True})
    lifecycle.approve_transition(actor=people["alice"], transition=t, now=T0)
    lifecycle.approve_transition(actor=people["bob"], transition=t, now=T0)
    retro = Retrospective.objects.get(product=product)
    alice, bob, mallory = (
        client_for(people["alice"]),
        client_for(people["bob"]),
        client_for(people["mallory"]),
    )
    r = bob.patch(
        f"/api/v1/retrospectives/{retro.pk}",
        {"run_team_rating": 4, "run_team_feedback": "runbook was good"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["run_team_rating"] == 4
    assert (
        mallory.patch(
            f"/api/v1/retrospectives/{retro.pk}", {"went_well": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    for body in ({"run_team_rating": 6}, {"run_team_rating": "NaN"}, {"went_well": "a\x00b"}, {"nope": 1}):
        r = alice.patch(
            f"/api/v1/retrospectives/{retro.pk}", json.dumps(body), content_type="application/json"
        )
        assert r.status_code == 422, (body, r.content)
    with pytest.raises(Refused):
        services.update_retrospective(actor=people["alice"], retro=retro, hold=True)
    r = alice.patch(
        f"/api/v1/retrospectives/{retro.pk}",
        {"went_well": "pilot data", "to_change": "train earlier", "hold": True},
        content_type="application/json",
    )
    assert r.json()["status"] == "held"
    r = alice.post(
        f"/api/v1/retrospectives/{retro.pk}/actions",
        {"title": "Train the run team before the pilot", "owner": "carol@example.com", "due": "2026-06-10"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    item_id = r.json()["id"]
    r = alice.post(
        f"/api/v1/retrospectives/{retro.pk}/actions",
        {"title": "x", "owner": "nobody@example.com", "due": "2026-06-10"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "owner"]
    carol = client_for(make_actor("carol@example.com"))
    overdue = carol.get("/api/v1/action-items/overdue").json()["items"]
    assert [a["id"] for a in overdue] == [item_id] and overdue[0]["product"] == "shop"
    assert alice.get("/api/v1/action-items/overdue").json()["items"] == []
    r = alice.patch(
        f"/api/v1/action-items/{item_id}", {"status": "not_doing"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reason"]
    r = alice.patch(
        f"/api/v1/action-items/{item_id}",
        {"status": "not_doing", "reason": "the team changed"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "not_doing" and r.json()["closed_at"]
    assert carol.get("/api/v1/action-items/overdue").json()["count"] == 0
    with pytest.raises(InvalidInput):
        services.add_action(
            actor=people["alice"], retro=retro, title=" ", owner="carol@example.com", due=date(2026, 7, 1)
        )
    with pytest.raises(PermissionDenied):
        services.set_action_status(actor=people["mallory"], item=ActionItem.objects.get(), status="done")
