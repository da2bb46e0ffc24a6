"""Catalog facts and the shared product and team lookups read with prepared queries
(``core.prepared``): a product gets the same values alone, in a batch of two and in a
batch of 40, an empty batch gets nothing, and the teams are found by id (run team),
by slug (``oncall.team``) or both, either list possibly empty. Team sizes are
checked against values counted by hand."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from prodops.catalog import facts as catalog
from prodops.catalog.models import SLO, Product, Stakeholder, Team
from prodops.core.facts import FactContext

NOW = timezone.now()


@pytest.fixture
def portfolio(make_product: Any, make_person: Any) -> list[Product]:
    """Teams of 1, 2 and 3 members and one of none; 40 products whose run team and
    on-call team vary (none, the run team, another team, a team that does not exist)."""
    people = [make_person(f"m{i}@example.com") for i in range(6)]
    teams = [Team.objects.create(slug=f"t{i}", name=f"T{i}", kind="run") for i in range(4)]
    for i, team in enumerate(teams[:3]):
        team.members.set(people[i : i * 2 + 1])  # 1, 2 and 3 members
    oncalls: list[dict[str, Any]] = [
        {},
        {"rotation": "primary"},
        {"rotation": "primary", "team": "t2"},
        {"rotation": "primary", "team": "nobody"},
        {"team": "t0"},
    ]
    products = []
    for i in range(40):
        run_team = teams[i % 5] if i % 5 < 4 else None
        products.append(
            make_product(
                f"p{i}",
                run_team=run_team,
                tier=1 + i % 4,
                oncall=oncalls[(i // 5) % 5],
                links={"repo": "https://git.example.com"} if i % 2 else {},
                facts={"n": i} if i % 3 == 0 else {},
            )
        )
    for i, product in enumerate(products):
        for k in range(i % 3):
            SLO.objects.create(product=product, name=f"s{k}", objective=99.9)
        for person in people[: i % 4]:
            Stakeholder.objects.create(product=product, person=person, function="f")
    return products


@pytest.mark.django_db
def test_a_product_has_the_same_values_alone_and_in_batches(portfolio):
    ids = [p.pk for p in portfolio]
    alone: dict[int, Any] = {}
    for pid in ids:
        alone.update(catalog.catalog_facts([pid], NOW))
    assert set(alone) == set(ids)
    assert catalog.catalog_facts(ids, NOW) == alone
    for pair in (ids[:2], ids[13:15], [ids[9], ids[0]]):
        assert catalog.catalog_facts(pair, NOW) == {pid: alone[pid] for pid in pair}
    assert catalog.catalog_facts([], NOW) == {}
    assert (alone[ids[4]]["slo.count"], alone[ids[4]]["stakeholders.count"]) == (1, 0)
    assert (alone[ids[5]]["slo.count"], alone[ids[5]]["stakeholders.count"]) == (2, 1)


@pytest.mark.django_db
def test_on_call_team_size_by_id_by_slug_or_none(portfolio):
    def size(i: int) -> Any:
        pid = portfolio[i].pk
        return catalog.catalog_facts([pid], NOW)[pid]["oncall.team_size"]

    assert size(1) == 2  # run team t1, no on-call team: teams by id only
    assert size(4) == 0  # neither: no query at all
    assert size(10) == 3  # run team t0, on call t2: both
    assert size(14) == 3  # no run team, on call t2: teams by slug only
    assert size(15) == 0  # on call names a team that does not exist
    assert size(24) == 1  # no run team, on call t0
    assert catalog.catalog_facts([portfolio[12].pk], NOW)[portfolio[12].pk]["oncall.by_run_team"] is True
    assert catalog.catalog_facts([portfolio[11].pk], NOW)[portfolio[11].pk]["oncall.by_run_team"] is False


@pytest.mark.django_db
def test_teams_and_products_lookups(portfolio):
    ids = [p.pk for p in portfolio]
    context = FactContext([ids[14]], NOW)
    with CaptureQueriesContext(connection) as queries:
        rows = catalog.products(context)
        known = catalog.teams(context)
        catalog.teams(context)
    assert len(queries) == 2  # once each per batch
    assert rows[ids[14]].oncall == {"rotation": "primary", "team": "t2"}
    assert rows[ids[14]].tier == Product.objects.get(pk=ids[14]).tier
    assert set(known.by_slug) == {"t2"} and len(known.by_slug["t2"].members) == 3
    assert catalog.products(FactContext([], NOW)) == {}
    for values in (
        {"ids": [], "slugs": ["t2"]},
        {"ids": [Team.objects.get(slug="t1").pk], "slugs": []},
        {"ids": [Team.objects.get(slug="t1").pk], "slugs": ["t0", "t2", "nobody"]},
    ):
        # the query as it was written before it was prepared
        before = Team.objects.filter(Q(pk__in=values["ids"]) | Q(slug__in=values["slugs"])).order_by()
        expected = sorted(before.values_list("pk", "slug", "capacity_hours_per_week", "members"), key=repr)
        assert sorted(catalog._TEAMS.rows(**values), key=repr) == expected
    got = sorted(catalog._COUNTS.rows(ids=ids[:3]))
    assert got == sorted(catalog._COUNTS.build(SimpleNamespace(ids=ids[:3])))
    with CaptureQueriesContext(connection) as queries:
        assert catalog._TEAMS.rows(ids=[], slugs=[]) == []
    assert not queries
