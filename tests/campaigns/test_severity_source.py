"""The campaigns' severity source (what the readiness gates read on every evaluation)
gives each product the same severities in a batch (of 20, more than a prepared query
keeps compiled, and of 2) as alone: every active campaign's enforced criteria for the
products its selection (tiers, stages, teams, tags; never a retired product) covers,
advisory before the day and blocking from it, blocking winning. The expected values
are worked out here from the products' attributes, not with the service's selection."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from prodops.campaigns.models import Campaign
from prodops.campaigns.services import selected_products, severity_source
from prodops.catalog.models import Team

NOW = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
TODAY = date(2026, 11, 30)  # in the tests' time zone (UTC)
STAGES = ("build", "pilot", "warranty", "operate", "retire")

CAMPAIGNS: list[dict[str, Any]] = [
    {"selection": {"tiers": [1, 2]}, "enforce": {"lint": TODAY, "docs": TODAY + timedelta(days=1)}},
    {
        "selection": {"teams": ["ops"], "tags": ["pci", "gdpr"]},
        "enforce": {"lint": TODAY + timedelta(days=5)},
    },
    {
        "selection": {"stages": ["pilot", "warranty", "retire"]},
        "enforce": {"docs": TODAY - timedelta(days=1)},
    },
    {"selection": {}, "enforce": {"backup": TODAY + timedelta(days=30)}},
    {"selection": {"teams": ["dev"], "tiers": [3]}, "enforce": {}},  # nothing enforced
    {"selection": {}, "enforce": {"lint": TODAY}, "status": Campaign.Status.CLOSED},
]


def _selected(sel: dict[str, Any], product: dict[str, Any]) -> bool:
    if product["stage"] == "retire":
        return False
    if "tiers" in sel and product["tier"] not in sel["tiers"]:
        return False
    if "stages" in sel and product["stage"] not in sel["stages"]:
        return False
    if "teams" in sel and product["build"] not in sel["teams"] and product["run"] not in sel["teams"]:
        return False
    return "tags" not in sel or any(t in sel["tags"] for t in product["tags"])


def test_a_batch_and_each_product_alone_give_the_worked_out_severities(make_product):
    rng = random.Random(5)
    teams = {
        "ops": Team.objects.create(slug="ops", name="Ops", kind="run"),
        "dev": Team.objects.create(slug="dev", name="Dev", kind="build"),
    }
    products: dict[int, dict[str, Any]] = {}
    for i in range(20):
        attrs = {
            "tier": rng.randint(1, 4),
            "stage": STAGES[i % len(STAGES)],
            "build": rng.choice(["dev", None]),
            "run": rng.choice(["ops", None]),
            "tags": rng.sample(["pci", "gdpr", "web"], rng.randrange(0, 3)),
        }
        product = make_product(
            f"p-{i}",
            tier=attrs["tier"],
            stage=attrs["stage"],
            tags=attrs["tags"],
            build_team=teams[attrs["build"]] if attrs["build"] else None,
            run_team=teams[attrs["run"]] if attrs["run"] else None,
        )
        products[product.pk] = attrs
    for n, spec in enumerate(CAMPAIGNS):
        criteria = [{"id": cid, "enforce_from": day.isoformat()} for cid, day in spec["enforce"].items()]
        Campaign.objects.create(
            slug=f"c{n}",
            name=f"C{n}",
            standard="default",
            standard_version=1,
            criteria=[*criteria, {"id": "free"}],
            selection=spec["selection"],
            start=TODAY - timedelta(days=10),
            target=TODAY + timedelta(days=10),
            status=spec.get("status", Campaign.Status.ACTIVE),
            created_by="t",
        )
    expected: dict[int, dict[str, str]] = {}
    for pid, attrs in products.items():
        for spec in CAMPAIGNS:
            if spec.get("status") or not spec["enforce"] or not _selected(spec["selection"], attrs):
                continue
            per = expected.setdefault(pid, {})
            for cid, day in spec["enforce"].items():
                if per.get(cid) != "blocking":
                    per[cid] = "blocking" if day <= TODAY else "advisory"
    assert {"blocking", "advisory"} <= {s for per in expected.values() for s in per.values()}
    assert len(expected) < len(products)  # some are selected by no campaign

    ids = list(products)
    assert severity_source(ids, NOW) == expected
    assert severity_source(ids[3:5], NOW) == {pid: expected[pid] for pid in ids[3:5] if pid in expected}
    for pid in ids:
        assert severity_source([pid], NOW) == ({pid: expected[pid]} if pid in expected else {})
    # The campaigns' own list of their products agrees.
    for campaign in Campaign.objects.all():
        assert {p.pk for p in selected_products(campaign)} == {
            pid for pid, attrs in products.items() if _selected(campaign.selection, attrs)
        }


def test_without_an_enforcing_campaign_one_query_and_an_empty_batch_reads_no_product(make_product):
    product = make_product("p")
    with CaptureQueriesContext(connection) as queries:
        assert severity_source([product.pk], NOW) == {}
    assert len(queries) == 1
    Campaign.objects.create(
        slug="c",
        name="C",
        standard="default",
        standard_version=1,
        criteria=[{"id": "lint", "enforce_from": TODAY.isoformat()}],
        start=TODAY,
        target=TODAY,
        created_by="t",
    )
    with CaptureQueriesContext(connection) as queries:
        assert severity_source([], NOW) == {}
    assert len(queries) == 1
    assert severity_source([product.pk], NOW) == {product.pk: {"lint": "blocking"}}
