"""Campaigns: launch, per-product status, the burn-up computed by hand, enforce_from
switching a criterion from advisory to blocking in the gate, reminders and the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from prodops.core.actors import Actor

pytestmark = pytest.mark.django_db

D0 = date(2026, 11, 2)
NOON = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
STD = {
    "criteria": [
        {"id": "runbook", "gate": "pilot", "rule": "custom.runbook == true"},
        {"id": "lint", "gate": "pilot", "rule": "custom.lint == true"},  # blocking in the standard
    ]
}


def at(days: int) -> datetime:
    return NOON + timedelta(days=days)


@pytest.fixture
def portfolio(make_product: Callable[..., Any], db: Any) -> dict[str, Any]:
    from prodops.readiness.services import apply_standard

    apply_standard(actor=Actor.cli(), slug="std", name="Std", spec=STD)
    return {
        "p1": make_product("p1", tier=1, stage="build", standard="std", facts={"runbook": True}),
        "p2": make_product("p2", tier=2, stage="build", standard="std", facts={}),
        "p3": make_product("p3", tier=4, stage="build", standard="std", facts={"runbook": True}),
    }


def launch(**kw: Any) -> Any:
    from prodops.campaigns.services import launch_campaign

    args: dict[str, Any] = {
        "actor": Actor.cli(),
        "slug": "lint-everywhere",
        "name": "Lint everywhere",
        "standard": "std",
        "criteria": ["runbook", {"id": "lint", "enforce_from": (D0 + timedelta(days=10)).isoformat()}],
        "selection": {"tiers": [1, 2]},
        "start": D0,
        "target": D0 + timedelta(days=20),
        "now": at(0),
    }
    args.update(kw)
    return launch_campaign(**args)


def set_facts(product: Any, **facts: Any) -> None:
    from prodops.readiness.services import set_custom_facts

    set_custom_facts(actor=Actor.cli(), product=product, facts=facts)


def test_status_and_burn_up_by_hand(portfolio: dict[str, Any]) -> None:
    from prodops.campaigns import chart
    from prodops.campaigns.services import burnup, burnup_chart, status, take_snapshot

    campaign = launch()
    rows = {r.product.slug: (r.passing, r.failing) for r in status(campaign, now=at(0))}
    assert rows == {"p1": (["runbook"], ["lint"]), "p2": ([], ["runbook", "lint"])}  # p3 is tier 4
    set_facts(portfolio["p2"], runbook=True)
    set_facts(portfolio["p1"], lint=True)
    take_snapshot(campaign, now=at(4))
    points = burnup(campaign)
    assert [(p.day, p.done, p.scope) for p in points] == [(D0, 1, 4), (D0 + timedelta(days=4), 3, 4)]
    # By hand: x = 30 + 540 * day / 20; y = 210 - 180 * value / 4 (scope 4 at the top).
    assert chart.polyline(points, "done", D0, D0 + timedelta(days=20)) == "30.0,165.0 138.0,75.0"
    assert chart.polyline(points, "scope", D0, D0 + timedelta(days=20)) == "30.0,30.0 138.0,30.0"
    svg = burnup_chart(campaign)
    assert 'points="30.0,165.0 138.0,75.0"' in svg and svg.startswith("<svg")


def test_enforce_from_switches_a_criterion_from_advisory_to_blocking(portfolio: dict[str, Any]) -> None:
    from prodops.readiness.services import evaluate_products, product_readiness

    p1, p3 = portfolio["p1"], portfolio["p3"]
    before = product_readiness(product=p1, gate="pilot", now=at(1))
    assert [c.id for c in before.blockers] == ["lint"]  # the standard says blocking
    launch()
    before = product_readiness(product=p1, gate="pilot", now=at(9))
    assert before.ready and not before.blockers
    assert {c.id: c.severity for c in before.criteria}["lint"] == "advisory"
    after = product_readiness(product=p1, gate="pilot", now=at(10))
    assert not after.ready and [c.id for c in after.blockers] == ["lint"]
    # A product outside the selection keeps the standard's severity.
    assert [c.id for c in product_readiness(product=p3, gate="pilot", now=at(9)).blockers] == ["lint"]
    # The stored evaluation follows too (p1's gate is pilot, the stage after build).
    assert evaluate_products(product_ids=[p1.pk], now=at(9))[p1.pk].ready is True
    assert evaluate_products(product_ids=[p1.pk], now=at(10))[p1.pk].ready is False
    from prodops.readiness.models import ProductEvaluation

    assert ProductEvaluation.objects.get(product=p1).ready is False


def test_transition_refused_once_enforced(portfolio: dict[str, Any]) -> None:
    from prodops.lifecycle.models import Transition
    from prodops.lifecycle.services import _execute

    launch()
    p1 = portfolio["p1"]
    t = Transition.objects.create(
        product=p1,
        from_stage="build",
        to_stage="pilot",
        kind="advance",
        requested_by="x",
        requested_at=at(10),
    )
    _execute(actor=Actor.cli(), transition=t, now=at(10))
    t.refresh_from_db()
    assert t.status == "refused" and "lint" in t.refusal
    t2 = Transition.objects.create(
        product=p1, from_stage="build", to_stage="pilot", kind="advance", requested_by="x", requested_at=at(9)
    )
    _execute(actor=Actor.cli(), transition=t2, now=at(9))
    t2.refresh_from_db()
    assert t2.status == "executed"


def test_reminders_14_and_3_days_before_to_both_leads(portfolio: dict[str, Any]) -> None:
    from prodops.campaigns.services import send_reminders
    from prodops.notifications.models import Notification

    launch()
    assert send_reminders(now=at(5)) == []  # 15 days left
    sent = send_reminders(now=at(6))  # 14 days left: p1 and p2 fail lint
    assert sorted((r.product.slug, r.days_before) for r in sent) == [("p1", 14), ("p2", 14)]
    assert send_reminders(now=at(7)) == []  # once
    note = Notification.objects.get(event="campaign.reminder", product=portfolio["p1"])
    assert "14 days left" in note.text and "lint" in note.text
    set_facts(portfolio["p1"], lint=True)
    sent = send_reminders(now=at(17))  # 3 days left: only p2 still fails
    assert [(r.product.slug, r.days_before) for r in sent] == [("p2", 3)]


def test_cli_launch_show_report_and_refusals(portfolio: dict[str, Any], prodops: Callable[..., Any]) -> None:
    from tests.playbooks.conftest import user

    user("mallory@example.com")
    args = [
        "campaigns",
        "launch",
        "lint",
        "--name",
        "Lint",
        "--standard",
        "std",
        "--criteria",
        "runbook,lint",
        "--enforce-from",
        "lint=2026-12-01",
        "--tiers",
        "1,2",
        "--start",
        "2026-11-02",
        "--target",
        "2026-12-15",
    ]
    assert prodops(*args, "--as", "mallory@example.com")[0] == 1
    assert prodops(*args[:-1], "2026-11-01")[0] == 2  # target before start
    code, _, err = prodops(*[a if a != "runbook,lint" else "runbook,nope" for a in args])
    assert code == 2 and "nope" in err
    code, out, err = prodops(*args, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert [p["product"] for p in data["products"]] == ["p1", "p2"]
    assert data["criteria"][1] == {"id": "lint", "title": "lint", "enforce_from": "2026-12-01"}
    code, out, _ = prodops("campaigns", "report", "lint")
    assert code == 0 and "| p2 | - | runbook, lint |" in out
    code, out, _ = prodops("campaigns", "report", "lint", "--format", "html")
    assert code == 0 and "<svg" in out and "&lt;" not in out.split("<svg", 1)[1][:50]
    assert prodops("campaigns", "show", "nope")[0] == 2


def test_api_launch_by_product_operations_only(portfolio: dict[str, Any], client: Any) -> None:
    from prodops.accounts.services import create_token
    from tests.playbooks.conftest import user

    def token(email: str, role: str | None = None) -> str:
        return "Bearer " + create_token(actor=Actor.cli(), user=user(email, role=role).user, name="t")[1]

    body = {
        "slug": "c1",
        "name": "C1",
        "standard": "std",
        "criteria": ["lint"],
        "start": "2026-11-02",
        "target": "2026-12-01",
        "selection": {"tags": ["none"]},
    }
    r = client.post(
        "/api/v1/campaigns",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=token("mallory@example.com"),
    )
    assert r.status_code == 403
    paula = token("paula@example.com", "product_ops")
    r = client.post(
        "/api/v1/campaigns",
        {**body, "selection": {"tiers": ["x"]}},
        content_type="application/json",
        HTTP_AUTHORIZATION=paula,
    )
    assert r.status_code == 422
    r = client.post("/api/v1/campaigns", body, content_type="application/json", HTTP_AUTHORIZATION=paula)
    assert r.status_code == 201, r.content
    assert r.json()["total"] == 0  # no product has the tag
    r = client.get("/api/v1/campaigns/c1/burnup.svg", HTTP_AUTHORIZATION=paula)
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml"


def test_web_pages(portfolio: dict[str, Any], client: Any, admin_user: Any) -> None:
    launch()
    client.force_login(admin_user)
    page = client.get("/campaigns/lint-everywhere/")
    assert (
        page.status_code == 200 and b"<svg" in page.content and b"advisory until 2026-11-12" in page.content
    )
    assert client.get("/campaigns/").status_code == 200
    assert client.get("/campaigns/lint-everywhere/report/?format=md").status_code == 200
