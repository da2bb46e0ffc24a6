"""The portfolio dashboard: board by stage, filters, pagination, and a bounded number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from prodops.catalog.models import Team
from prodops.warranty import services


@pytest.fixture
def portfolio(make_product, make_person):
    payments = Team.objects.create(slug="payments-dev", name="Payments dev", kind="build")
    support = Team.objects.create(slug="support", name="Support", kind="run")
    erin = make_person("erin@example.com", "Erin")
    make_product(
        "payments-api",
        name="Payments API",
        tier=1,
        stage="build",
        build_team=payments,
        run_team=support,
        tags=["pci", "payments"],
    )
    make_product("ledger", name="Ledger", tier=2, stage="pilot", build_team=payments, tags=["finance"])
    make_product("search", name="Search", tier=3, stage="operate", run_lead=erin, tags=["pcix"])
    make_product("old-crm", name="Old CRM", tier=4, stage="retire")


def names(response):
    return [p.name for p in response.context["page"].object_list]


def test_board_groups_products_by_stage(client, personas, portfolio):
    client.force_login(personas["dave"])
    response = client.get("/")
    assert response.status_code == 200
    columns = {c["stage"]: [p.slug for p in c["items"]] for c in response.context["columns"]}
    assert columns == {
        "plan": [],
        "build": ["payments-api"],
        "pilot": ["ledger"],
        "warranty": [],
        "operate": ["search"],
        "retire": ["old-crm"],
    }
    assert dict(response.context["counts"])["build"] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("team=payments-dev", ["Payments API", "Ledger"]),
        ("team=support", ["Payments API"]),
        ("lead=erin@example.com", ["Search"]),
        ("lead=bob", ["Payments API", "Ledger", "Old CRM"]),
        ("tier=2", ["Ledger"]),
        ("tag=pci", ["Payments API"]),  # not "pcix"
        ("stage=retire", ["Old CRM"]),
        ("q=ledg", ["Ledger"]),
        ("tier=9", ["Payments API", "Ledger", "Search", "Old CRM"]),  # invalid filter is ignored
    ],
)
def test_filters(client, personas, portfolio, query, expected):
    client.force_login(personas["dave"])
    response = client.get(f"/?view=list&{query}")
    assert response.status_code == 200
    assert names(response) == expected


def test_list_is_paginated(client, personas, make_product):
    for i in range(55):
        make_product(f"p{i:02d}")
    client.force_login(personas["dave"])
    first = client.get("/?view=list")
    assert len(first.context["page"].object_list) == 50
    second = client.get("/?view=list&page=2")
    assert len(second.context["page"].object_list) == 5
    assert client.get("/?view=list&page=999").status_code == 200


def test_board_shows_a_bounded_number_per_stage_with_a_link_to_the_rest(client, personas, make_product):
    for i in range(12):
        make_product(f"b{i:02d}", stage="build")
    client.force_login(personas["dave"])
    response = client.get("/")
    build = next(c for c in response.context["columns"] if c["stage"] == "build")
    assert len(build["items"]) == 8 and build["count"] == 12
    assert b"All 12 in build" in response.content


def test_query_count_does_not_grow_with_the_portfolio(
    client, personas, make_product, django_assert_max_num_queries
):
    from prodops.events.models import Defect

    team = Team.objects.create(slug="t", name="T", kind="build")
    today = timezone.localdate()
    for i in range(60):
        stage = ["plan", "build", "pilot", "warranty", "operate", "retire"][i % 6]
        p = make_product(
            f"p{i:02d}",
            stage=stage,
            build_team=team,
            go_live=today - timedelta(days=40 + i) if stage == "warranty" else None,
        )
        if stage == "warranty":  # the warranty panel reads each one's counted defects
            for d in (3, 9):
                Defect.objects.create(
                    product=p,
                    external_id=f"{p.slug}-{d}",
                    severity="high",
                    found_at=timezone.now() - timedelta(days=d),
                )
    client.force_login(personas["dave"])
    # One of them finds pending transitions, so that a retire nobody asked for is not "blocked";
    # one finds the products flagged for handback.
    with django_assert_max_num_queries(22):
        assert client.get("/").status_code == 200
    # One of them finds pending transitions, so that a retire nobody asked for is not "blocked".
    with django_assert_max_num_queries(22):
        assert client.get("/?view=list&team=t").status_code == 200


def test_htmx_filter_returns_only_the_portfolio_fragment(client, personas, portfolio):
    client.force_login(personas["dave"])
    response = client.get("/?tier=1", headers={"HX-Request": "true", "HX-Target": "portfolio"})
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div id="portfolio">')
    assert b"Payments API" in response.content and b"Ledger" not in response.content


def test_warranties_ending_use_the_proposed_end_from_data(client, personas, make_product):
    today = timezone.localdate()
    policy = {"min_days": 30, "max_days": 120}
    # Forty days live with no counted defect: the warranty app proposes ending now (the time
    # observed so far), long before go-live + max_days (80 days away).
    quiet = make_product(
        "quiet", name="Quiet", stage="warranty", go_live=today - timedelta(days=40), warranty=policy
    )
    # The policy's min_days keeps this one in warranty for 60 more days: not ending soon.
    make_product(
        "young",
        name="Young",
        stage="warranty",
        go_live=today - timedelta(days=40),
        warranty={"min_days": 100},
    )
    make_product("bad", name="Bad", stage="warranty", go_live=today, warranty={"min_days": "x"})
    client.force_login(personas["dave"])
    response = client.get("/")
    ending = response.context["warranties_ending"]
    assert [(w.product.slug, w.decided_by) for w in ending] == [("quiet", "observed")]
    assert today <= ending[0].ends <= today + timedelta(days=1)
    assert ending[0].ends == services.assess_product(product=quiet).proposed_end
    assert b"decided by time observed so far" in response.content
