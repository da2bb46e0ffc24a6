"""Onboarding: a plan generated for a run team's products, started by hand or when a
person joins the team, and the newcomer's fractional capacity in support.utilization."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from prodops.core.actors import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_person: Callable[..., Any], make_product: Callable[..., Any], db: Any) -> Any:
    """Run team ``pay-ops`` (bob, dan, carol; 90 h/week) runs pay (4 h) and ledger (5 h)."""
    from prodops.catalog.models import Team
    from prodops.knowledge.models import Document, SupportEstimate, TrainingSession
    from prodops.playbooks.services import apply_shipped

    apply_shipped(actor=Actor.cli())
    t = Team.objects.create(slug="pay-ops", name="Payments ops", kind="run", capacity_hours_per_week=90)
    t.members.set(
        [make_person("bob@example.com"), make_person("dan@example.com"), make_person("carol@example.com")]
    )
    pay = make_product("pay", run_team=t, stage="operate")
    ledger = make_product("ledger", run_team=t, stage="warranty")
    make_product("elsewhere")
    Document.objects.create(product=pay, kind="runbook", title="Pay runbook")
    Document.objects.create(product=pay, kind="architecture", title="Pay architecture")
    Document.objects.create(product=ledger, kind="runbook", title="Ledger runbook")
    Document.objects.create(product=ledger, kind="faq", title="Ledger FAQ")  # not a kind to read
    TrainingSession.objects.create(product=pay, topic="Pay deep dive", date=date(2026, 9, 1))
    SupportEstimate.objects.create(product=pay, hours_per_week=4)
    SupportEstimate.objects.create(product=ledger, hours_per_week=5)
    return t


def test_plan_generated_for_the_teams_products(team: Any, prodops: Callable[..., Any]) -> None:
    code, out, err = prodops(
        "playbooks",
        "start",
        "onboarding",
        "--for",
        "carol@example.com",
        "--team",
        "pay-ops",
        "--format",
        "json",
    )
    assert code == 0, err
    run = json.loads(out)
    assert run["for"] == "carol@example.com" and run["team"] == "pay-ops"
    assert run["buddy"] == "bob@example.com"  # first other member by email
    ids = [s["id"] for s in run["steps"]]
    reads = [s["title"] for s in run["steps"] if s["id"].startswith("read.")]
    assert sorted(reads) == [
        "Read Ledger runbook (runbook)",
        "Read Pay architecture (architecture)",
        "Read Pay runbook (runbook)",
    ]
    for product in ("ledger", "pay"):
        for base in ("training", "shadow", "signoff"):
            assert f"{base}.{product}" in ids
    assert not any("elsewhere" in i for i in ids)
    titles = {s["id"]: s["title"] for s in run["steps"]}
    assert titles["training.pay"] == "Attend or watch the latest training of Pay: Pay deep dive (2026-09-01)"
    assert {s["phase"] for s in run["steps"]} == {"day 1", "week 1", "month 1"}
    signoff = {s["id"]: s for s in run["steps"]}["signoff.pay"]
    assert signoff["depends_on"] == ["shadow.pay"]
    # The buddy's step is the buddy's: carol may not do it, bob may.
    from tests.playbooks.conftest import user

    user("carol@example.com"), user("bob@example.com")
    assert prodops("playbooks", "done", str(run["id"]), "welcome", "--as", "carol@example.com")[0] == 1
    assert prodops("playbooks", "done", str(run["id"]), "welcome", "--as", "bob@example.com")[0] == 0


def test_signoff_step_completes_when_the_newcomer_signs(team: Any, prodops: Callable[..., Any]) -> None:
    from prodops.catalog.models import Person, Product
    from prodops.knowledge.services import sign_support
    from prodops.playbooks.models import Playbook
    from prodops.playbooks.services import check_waits, get_step, run_dict, start_run
    from tests.playbooks.conftest import user

    carol = user("carol@example.com")
    run = start_run(
        actor=Actor.cli(),
        playbook=Playbook.objects.get(slug="onboarding"),
        team=team,
        subject=Person.objects.get(email="carol@example.com"),
    )
    from prodops.playbooks.services import do_step

    do_step(actor=carol, run=run, step_id="shadow.pay", evidence="https://pagerduty.example.com/shift/1")
    sign_support(actor=carol, product=Product.objects.get(slug="pay"), person_email="carol@example.com")
    check_waits(run)
    assert get_step(run, "signoff.pay").status == "done"
    assert get_step(run, "signoff.ledger").status == "open"
    assert run_dict(run)["done_when"]["holds"] is False


def utilization(slug: str) -> float:
    from prodops.catalog.models import Product
    from prodops.readiness.services import product_facts

    return float(product_facts(product=Product.objects.get(slug=slug))["support.utilization"])


def test_newcomer_counts_at_a_fraction_until_signed_off(team: Any, settings: Any) -> None:
    from prodops.catalog.models import Person, Product
    from prodops.knowledge.models import SupportSignoff
    from prodops.playbooks.models import Playbook
    from prodops.playbooks.services import start_run

    # Without onboarding: load 4 + 5 = 9 h over 90 h.
    assert utilization("pay") == pytest.approx(9 / 90)
    carol = Person.objects.get(email="carol@example.com")
    start_run(actor=Actor.cli(), playbook=Playbook.objects.get(slug="onboarding"), team=team, subject=carol)
    # Carol is one of 3 members at 0.5: capacity 90 * (1 - 0.5 * 1/3) = 75.
    assert utilization("pay") == pytest.approx(round(9 / 75, 4))
    settings.PRODOPS_ONBOARDING_CAPACITY = 0.25
    assert utilization("pay") == pytest.approx(round(9 / (90 * (1 - 0.75 / 3)), 4))
    settings.PRODOPS_ONBOARDING_CAPACITY = 0.5
    SupportSignoff.objects.create(
        product=Product.objects.get(slug="pay"), person=carol, signed_at="2026-11-01T00:00Z"
    )
    assert utilization("pay") == pytest.approx(9 / 90)  # signed off for pay: full share there
    assert utilization("ledger") == pytest.approx(round(9 / 75, 4))  # not yet for ledger


def test_joining_a_run_team_starts_onboarding(
    team: Any, make_person: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    from prodops.catalog.schemas import TeamSpec
    from prodops.catalog.services import upsert_team
    from prodops.playbooks.models import Run

    make_person("erin@example.com")
    spec = TeamSpec(
        kind="run",
        capacity_hours_per_week=90,
        members=["bob@example.com", "carol@example.com", "dan@example.com", "erin@example.com"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        upsert_team(actor=Actor.cli(), slug="pay-ops", name="Payments ops", spec=spec)
    runs = list(Run.objects.filter(team=team))
    assert [(r.playbook.slug, r.subject.email, r.trigger) for r in runs] == [
        ("onboarding", "erin@example.com", "team.member_added")
    ]
    assert runs[0].steps.filter(step_id="shadow.pay").exists()


def test_team_members_page(team: Any, client: Any, admin_user: Any) -> None:
    from prodops.catalog.models import Person
    from prodops.playbooks.models import Playbook
    from prodops.playbooks.services import start_run

    start_run(
        actor=Actor.cli(),
        playbook=Playbook.objects.get(slug="onboarding"),
        team=team,
        subject=Person.objects.get(email="carol@example.com"),
    )
    client.force_login(admin_user)
    page = client.get("/teams/pay-ops/new-engineers/")
    assert page.status_code == 200
    assert b"carol@example.com" in page.content


def test_onboarding_notifies_the_new_engineer_and_the_buddy(team: Any) -> None:
    from prodops.catalog.models import Person
    from prodops.notifications.models import Notification
    from prodops.playbooks.models import Playbook
    from prodops.playbooks.services import start_run

    run = start_run(
        actor=Actor.cli(),
        playbook=Playbook.objects.get(slug="onboarding"),
        team=team,
        subject=Person.objects.get(email="carol@example.com"),
    )
    note = Notification.objects.get(event="playbook.run_started", key=f"playbook-run:{run.pk}")
    assert "for carol@example.com" in note.text
    to = set(note.deliveries.values_list("person__email", flat=True))
    assert {"carol@example.com", "bob@example.com"} <= to
