"""The demo seeders: later stages are more complete, and the gaps left on purpose show
up in the facts."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from prodops.catalog.models import Team
from prodops.core import facts
from prodops.knowledge import demo as knowledge_demo
from prodops.risks import demo as risks_demo

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_seeders_fill_products_by_stage(make_product, make_person, actor):
    crew = [make_person(f"{n}@example.com") for n in ("bob", "carol", "dan", "eve")]
    team = Team.objects.create(slug="run", name="Run", kind="run", capacity_hours_per_week=70)
    team.members.set(crew)
    stages = {
        "a-plan": "plan",
        "b-build": "build",
        "c-pilot": "pilot",
        "d-warranty": "warranty",
        "e-operate": "operate",
        "f-operate": "operate",
    }
    products = {slug: make_product(slug, stage=stage, run_team=team) for slug, stage in stages.items()}
    rng = random.Random(42)
    knowledge_demo.seed(actor=actor, today=NOW.date(), rng=rng)
    risks_demo.seed(actor=actor, today=NOW.date(), rng=rng)
    values = facts.compute([p.id for p in products.values()], NOW)
    plan, pilot, warranty, operate = (
        values[products[s].id] for s in ("a-plan", "c-pilot", "d-warranty", "e-operate")
    )
    assert plan["docs.requirements.count"] == 1
    assert plan["docs.runbook.count"] == 0
    assert plan["risks.open"] == 0
    assert pilot["docs.runbook.count"] == 1
    assert pilot["training.coverage"] == 0.5  # half the run team trained so far
    assert pilot["known_errors.without_workaround"] == 1  # a gap readiness should show
    assert warranty["training.coverage"] == 1.0
    assert warranty["risks.open_high"] == 0
    assert operate["known_errors.without_workaround"] == 0
    # Everyone on one 70 h team; loads are shares of its capacity by stage:
    # build 0.05 + pilot 0.3 + warranty 0.25 + 2 x operate 0.3 = 1.2 (plan: no estimate).
    assert warranty["support.utilization"] == 1.2
