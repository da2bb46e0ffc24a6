"""Training, support sign-offs and support capacity: the facts training.sessions,
training.coverage, support.signoff_coverage and support.utilization against values
computed by hand, and the bad inputs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from prodops.audit.models import AuditEntry
from prodops.catalog.models import Team
from prodops.core import facts
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput
from prodops.knowledge import services
from prodops.knowledge.models import SupportSignoff, TrainingSession

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def crew(make_person):
    """A run team of four (bob, carol, dan, eve) with 100 h/week of capacity."""
    people = [make_person(f"{n}@example.com", n.title()) for n in ("bob", "carol", "dan", "eve")]
    team = Team.objects.create(
        slug="pay-support", name="Payments support", kind="run", capacity_hours_per_week=100
    )
    team.members.set(people)
    return team


@pytest.fixture
def product(make_product, crew):
    return make_product("payments-api", run_team=crew)


def test_training_facts_hand_computed(product, actor, make_person):
    make_person("frank@example.com")  # attends but is not in the run team: does not count
    services.record_training(
        actor=actor,
        product=product,
        topic="Architecture walkthrough",
        date=TODAY - timedelta(days=3),
        trainer_email="alice@example.com",
        attendee_emails=["bob@example.com", "carol@example.com", "frank@example.com"],
    )
    services.record_training(
        actor=actor,
        product=product,
        topic="Runbook drill",
        date=TODAY - timedelta(days=1),
        attendee_emails=["carol@example.com"],
    )
    # Planned for next week: not yet held, so neither the session nor its attendee counts.
    services.record_training(
        actor=actor,
        product=product,
        topic="Failover",
        date=TODAY + timedelta(days=7),
        attendee_emails=["dan@example.com"],
    )
    values = facts.compute([product.id], NOW)[product.id]
    assert values["training.sessions"] == 2
    assert values["training.coverage"] == 0.5  # bob and carol of 4 members


def test_coverage_is_unknown_without_a_run_team(make_product):
    lone = make_product("lone")
    values = facts.compute([lone.id], NOW)[lone.id]
    assert values["training.sessions"] == 0
    assert "training.coverage" not in values
    assert "support.signoff_coverage" not in values
    assert "support.utilization" not in values


def test_signoff_coverage_sign_and_withdraw(product, actor):
    services.sign_support(
        actor=Actor.person("bob@example.com"),
        product=product,
        person_email="bob@example.com",
        comment="Runbook is clear",
    )
    services.sign_support(actor=Actor.person("carol@example.com"), product=product)
    services.sign_support(actor=Actor.person("dan@example.com"), product=product)
    assert facts.compute([product.id], NOW)[product.id]["support.signoff_coverage"] == 0.75
    services.withdraw_support(
        actor=Actor.person("dan@example.com"),
        product=product,
        person_email="dan@example.com",
        comment="Not trained yet",
    )
    assert facts.compute([product.id], NOW)[product.id]["support.signoff_coverage"] == 0.5
    signoff = SupportSignoff.objects.get(person__email="dan@example.com")
    assert signoff.comment == "Not trained yet"
    assert signoff.withdrawn_at is not None
    # Signing again re-activates it.
    services.sign_support(
        actor=Actor.person("dan@example.com"),
        product=product,
        person_email="dan@example.com",
        comment="Trained now",
    )
    assert facts.compute([product.id], NOW)[product.id]["support.signoff_coverage"] == 0.75


def test_only_run_team_members_may_sign(product, actor, make_person):
    make_person("zoe@example.com")
    with pytest.raises(InvalidInput) as err:
        services.sign_support(actor=Actor.person("zoe@example.com"), product=product)
    assert "not a member of the run team" in str(err.value)
    with pytest.raises(InvalidInput):
        services.withdraw_support(actor=Actor.person("bob@example.com"), product=product)
    assert not SupportSignoff.objects.exists()


def test_utilization_is_team_load_over_capacity(product, crew, actor, make_product):
    ledger = make_product("ledger", run_team=crew)
    old = make_product("old-billing", run_team=crew, stage="retire")
    no_estimate = make_product("reports", run_team=crew)
    services.set_support_estimate(actor=actor, product=product, hours_per_week=40, basis="pilot tickets")
    services.set_support_estimate(actor=actor, product=ledger, hours_per_week=50)
    services.set_support_estimate(actor=actor, product=old, hours_per_week=30)  # retired: not counted
    values = facts.compute([product.id, ledger.id, no_estimate.id], NOW)
    # (40 + 50) / 100
    assert values[product.id]["support.utilization"] == 0.9
    assert values[ledger.id]["support.utilization"] == 0.9
    assert values[product.id]["support.load_hours"] == 40
    assert "support.utilization" not in values[no_estimate.id]
    services.set_support_estimate(actor=actor, product=ledger, hours_per_week=35)
    assert facts.compute([product.id], NOW)[product.id]["support.utilization"] == 0.75
    with pytest.raises(InvalidInput):
        services.set_support_estimate(actor=actor, product=ledger, hours_per_week=-1)


def test_api_training_with_unknown_attendee_is_422_and_saves_nothing(api, product):
    url = f"/api/v1/products/{product.slug}/training"
    body = {
        "topic": "Walkthrough",
        "date": "2026-11-01",
        "attendees": ["bob@example.com", "ghost@example.com"],
    }
    response = api.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert "ghost@example.com" in response.json()["detail"][0]["msg"]
    assert not TrainingSession.objects.exists()
    body["attendees"] = ["bob@example.com"]
    response = api.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["attendees"] == ["bob@example.com"]
    assert api.get(url).json()["items"][0]["date"] == date(2026, 11, 1).isoformat()


def test_api_signoff_and_estimate(api, product):
    url = f"/api/v1/products/{product.slug}/signoffs"
    # The API's caller is an admin: naming someone else is "on behalf", and needs a reason.
    body = {"person": "eve@example.com", "comment": "ok"}
    refused = api.post(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 403 and "reason" in refused.json()["detail"]
    on_behalf = {**body, "reason": "Eve confirmed by phone; she is travelling"}
    signed = api.post(url, json.dumps(on_behalf), content_type="application/json")
    assert signed.status_code == 200, signed.content
    assert signed.json()["active"] is True
    entry = AuditEntry.objects.get(action="support.sign")
    assert entry.actor == "erin@example.com" and entry.changes["override"][1].startswith("Eve confirmed")
    withdrawn = api.post(
        f"{url}/withdraw",
        json.dumps({"person": "eve@example.com", "reason": "Eve asked by mail"}),
        content_type="application/json",
    )
    assert withdrawn.json()["active"] is False
    bad = api.post(
        url, json.dumps({"person": "alice@example.com", "reason": "x"}), content_type="application/json"
    )
    assert bad.status_code == 422
    est = api.put(
        f"/api/v1/products/{product.slug}/support-estimate",
        json.dumps({"hours_per_week": 12}),
        content_type="application/json",
    )
    assert est.status_code == 200
    assert api.get(f"/api/v1/products/{product.slug}/support-estimate").json()["hours_per_week"] == 12


def test_observed_hours_from_ticket_handle_time(product, make_product):
    from prodops.events.models import Ticket

    def ticket(n, days_ago, minutes, on=product):
        Ticket.objects.create(
            product=on, external_id=f"T-{n}", opened_at=NOW - timedelta(days=days_ago), handle_minutes=minutes
        )

    ticket(1, 1, 120)
    ticket(2, 10, 90)
    ticket(3, 27.9, 30)
    ticket(4, 28.1, 600)  # outside the 28-day window
    ticket(5, 2, None)  # no handle time recorded
    ticket(6, 3, 999, on=make_product("ledger"))
    # (120 + 90 + 30) minutes = 4 h over 4 weeks = 1 h/week
    assert facts.compute([product.id], NOW)[product.id]["support.observed_hours"] == 1.0
    quiet = make_product("quiet")
    assert "support.observed_hours" not in facts.compute([quiet.id], NOW)[quiet.id]
