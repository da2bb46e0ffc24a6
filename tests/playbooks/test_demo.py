"""The demo has playbook runs in progress and closed, a new engineer being onboarded and a
campaign under way."""

from __future__ import annotations

import random
from datetime import date

import pytest

from prodops.core.actors import Actor

TODAY = date(2026, 11, 21)


@pytest.fixture
def seeded(db):
    from prodops.campaigns import demo as campaigns_demo
    from prodops.catalog import demo as catalog_demo
    from prodops.knowledge import demo as knowledge_demo
    from prodops.playbooks import demo as playbooks_demo

    actor, rng = Actor.system("demo"), random.Random(42)
    for module in (catalog_demo, knowledge_demo, playbooks_demo, campaigns_demo):
        module.seed(actor=actor, today=TODAY, rng=rng)


def test_runs_onboarding_and_campaign(seeded):
    from prodops.campaigns.models import Campaign
    from prodops.campaigns.services import burnup, status
    from prodops.playbooks.models import Playbook, Run

    assert Playbook.objects.count() == 6
    assert Run.objects.filter(status="open", product__isnull=False).count() >= 3
    closed = Run.objects.get(status="closed")
    assert closed.playbook.slug == "handover-kickoff" and closed.product.slug == "fraud-scoring"
    plan = Run.objects.get(subject__email="zoe.novak@acme.example.com")
    assert plan.status == "open" and plan.team.slug == "storefront-sre"
    done = plan.steps.filter(status="done").count()
    assert 0 < done < plan.steps.count()
    campaign = Campaign.objects.get(slug="ready-to-support")
    rows = status(campaign)
    assert rows and any(r.failing for r in rows)
    points = burnup(campaign)
    assert len(points) == 4 and points[0].done <= points[-1].done
