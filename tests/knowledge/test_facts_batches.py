"""Support and document facts read with prepared queries (``core.prepared``): a product
gets the same values alone, in a batch of two and in a batch of 40 (longer than the
batches whose compiled SQL is kept), an empty batch gets nothing, and each prepared
query returns what the same queryset built with the values returns. The boundaries of
the date and datetime parameters (today, the staleness cutoff, the 28-day ticket
window) are checked against values computed by hand, on SQLite too, where datetimes
are compared as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from prodops.catalog.models import Team
from prodops.events.models import Ticket
from prodops.knowledge import facts as knowledge
from prodops.knowledge.models import Document, SupportEstimate, SupportSignoff, TrainingSession

NOW = datetime(2026, 11, 20, 12, 0, 0, 250_000, tzinfo=UTC)
TODAY = NOW.date()
SINCE = NOW - timedelta(days=knowledge.OBSERVED_WINDOW_DAYS)


@pytest.fixture
def portfolio(make_product: Any, make_person: Any) -> list[Any]:
    """40 products over three run teams (one with no capacity) and some with none; a
    retired product with an estimate in a team; sessions held, future and unattended;
    sign-offs in force and withdrawn; documents fresh, stale and never reviewed; tickets
    on both edges of the window."""
    people = [make_person(f"m{i}@example.com") for i in range(9)]
    teams = [
        Team.objects.create(slug=f"run-{i}", name=f"Run {i}", kind="run", capacity_hours_per_week=cap)
        for i, cap in enumerate((100, 40, 0))
    ]
    for i, team in enumerate(teams):
        team.members.set(people[i * 3 : i * 3 + 3])
    products = []
    for i in range(40):
        team = teams[i % 4] if i % 4 < 3 else None
        products.append(make_product(f"p{i}", run_team=team, stage="retire" if i == 5 else "build"))
    for i, product in enumerate(products):
        crew = people[(i % 4) * 3 : (i % 4) * 3 + 3] if i % 4 < 3 else people[:2]
        if i % 3:
            SupportEstimate.objects.create(product=product, hours_per_week=1.5 * (i % 7) + 0.25)
        held = TrainingSession.objects.create(product=product, topic="held", date=TODAY - timedelta(days=i))
        held.attendees.set(crew[: i % 3])
        TrainingSession.objects.create(product=product, topic="today", date=TODAY)  # nobody came
        future = TrainingSession.objects.create(
            product=product, topic="later", date=TODAY + timedelta(days=1)
        )
        future.attendees.set(crew)
        for k, person in enumerate(crew[: 1 + i % 3]):
            SupportSignoff.objects.create(
                product=product, person=person, signed_at=NOW, withdrawn_at=NOW if (i + k) % 4 == 0 else None
            )
        for k, kind in enumerate(("runbook", "architecture", "runbook")[: 1 + i % 3]):
            reviewed = [None, TODAY, TODAY - timedelta(days=i * 10)][(i + k) % 3]
            Document.objects.create(product=product, kind=kind, title=f"d{i}-{k}", reviewed=reviewed)
        edges = [(NOW, 30.0), (SINCE, 600.0), (SINCE + timedelta(microseconds=1), 45.5), (NOW, None)]
        for k, (opened, minutes) in enumerate(edges if i % 2 else []):
            Ticket.objects.create(
                product=product, external_id=f"t{i}-{k}", opened_at=opened, handle_minutes=minutes
            )
    return products


def _alone(provider: Any, ids: list[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for pid in ids:
        out.update(provider([pid], NOW))
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("provider", [knowledge.support_facts, knowledge.document_facts])
def test_a_product_has_the_same_values_alone_and_in_batches(portfolio, provider):
    ids = [p.pk for p in portfolio]
    alone = _alone(provider, ids)
    assert set(alone) == set(ids)
    assert dict(provider(ids, NOW)) == alone  # 40: longer than the kept shapes
    for pair in (ids[:2], ids[5:7], [ids[3], ids[0]]):
        assert dict(provider(pair, NOW)) == {pid: alone[pid] for pid in pair}
    assert dict(provider([], NOW)) == {}


@pytest.mark.django_db
def test_prepared_queries_return_what_the_queryset_built_with_the_values_returns(portfolio):
    ids = [p.pk for p in portfolio]
    teams = sorted(Team.objects.values_list("pk", flat=True))
    for batch in ([ids[0]], [ids[3]], ids[:2], ids):
        for team_ids in ([], teams[:1], teams):
            values = {"ids": batch, "teams": team_ids, "today": TODAY}
            got = knowledge._SUPPORT.rows(**values)
            assert sorted(got, key=repr) == sorted(knowledge._support(SimpleNamespace(**values)), key=repr)
        values = {"ids": batch, "cutoff": TODAY - timedelta(days=100)}
        assert knowledge._DOCUMENTS.rows(**values) == list(
            knowledge._DOCUMENTS.build(SimpleNamespace(**values))
        )
        values = {"ids": batch, "since": SINCE, "now": NOW}
        assert knowledge._OBSERVED.rows(**values) == list(
            knowledge._OBSERVED.build(SimpleNamespace(**values))
        )


@pytest.mark.django_db
def test_support_values_at_the_edges_hand_computed(portfolio):
    # p1: run team 1 (40 h/week, 3 members); estimate 1.5 * 1 + 0.25 = 1.75 h/week.
    p1 = portfolio[1]
    values = knowledge.support_facts([p1.pk], NOW)[p1.pk]
    # the session held yesterday and the one today count; tomorrow's does not
    assert values["training.sessions"] == 2
    # one of three members attended the held session (crew[:1]); tomorrow's attendees do not count
    assert values["training.coverage"] == round(1 / 3, 4)
    # crew[:2] signed; (1 + 0) % 4 and (1 + 1) % 4 are not 0: both in force
    assert values["support.signoff_coverage"] == round(2 / 3, 4)
    assert values["support.load_hours"] == 1.75
    # tickets at now (30 min) and just after the window opens (45.5 min); the one opened
    # exactly 28 days ago is outside, the last has no handle time: 75.5 min / 4 weeks
    assert values["support.observed_hours"] == round(75.5 / 60 / 4, 2)
    # team 1 runs p1, p5 (retired: not counted), p9, ..., p37; estimates where i % 3 != 0
    team = [i for i in range(1, 40, 4) if i % 3 and i != 5]
    load = sum(1.5 * (i % 7) + 0.25 for i in team)
    assert values["support.utilization"] == round(load / 40, 4)
    # p7 has no run team: its own estimate, no coverage or utilisation; no tickets in p8
    p7, p8 = portfolio[7], portfolio[8]
    values = knowledge.support_facts([p7.pk, p8.pk], NOW)
    assert values[p7.pk]["support.load_hours"] == 0.25
    assert "training.coverage" not in values[p7.pk] and "support.utilization" not in values[p7.pk]
    assert "support.observed_hours" not in values[p8.pk]


@pytest.mark.django_db
@override_settings(PRODOPS_DOC_STALE_DAYS=110)
def test_document_values_at_the_cutoff_hand_computed(portfolio):
    # p11: a runbook reviewed 110 days ago, an architecture document never reviewed, a
    # runbook reviewed today
    p11 = portfolio[11]
    values = knowledge.document_facts([p11.pk], NOW)[p11.pk]
    assert values["docs.runbook.count"] == 2
    assert values["docs.runbook.fresh_count"] == 2  # reviewed exactly on the cutoff is fresh
    assert values["docs.architecture.count"] == 1
    assert values["docs.architecture.fresh_count"] == 0
    assert values["docs.stale_count"] == 1
    tomorrow = knowledge.document_facts([p11.pk], NOW + timedelta(days=1))[p11.pk]
    assert (tomorrow["docs.runbook.fresh_count"], tomorrow["docs.stale_count"]) == (1, 2)


@pytest.mark.django_db
def test_datetimes_on_the_window_edge_are_compared_as_instants(portfolio):
    """An aware datetime in another zone is the same instant: the window is computed
    from it, not from its wall-clock text."""
    p1 = portfolio[1]
    elsewhere = NOW.astimezone(ZoneInfo("Pacific/Auckland"))
    observed = knowledge.support_facts([p1.pk], elsewhere)[p1.pk]["support.observed_hours"]
    assert observed == round(75.5 / 60 / 4, 2)
