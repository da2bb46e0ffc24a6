"""Demo data for campaigns: "Ready to support" under way across the products in
warranty and operation, with a criterion that turns blocking in ten days, and three weeks
of burn-up history."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from prodops.campaigns import services
from prodops.campaigns.models import Snapshot
from prodops.core.actors import Actor


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    now = timezone.make_aware(datetime.combine(today, time(9, 0)))
    campaign = services.launch_campaign(
        actor=actor,
        slug="ready-to-support",
        name="Ready to support",
        description="Every product in warranty or operation has a fresh runbook, an architecture "
        "document, training delivered and a workaround for every known error.",
        standard="default",
        criteria=[
            "runbook-fresh-at-go-live",
            "architecture-documented",
            "training-delivered",
            {"id": "known-errors-have-workarounds", "enforce_from": (today + timedelta(days=10)).isoformat()},
        ],
        selection={"stages": ["warranty", "operate"]},
        start=today - timedelta(days=21),
        target=today + timedelta(days=25),
        now=now,
    )
    latest = Snapshot.objects.get(campaign=campaign, day=today)
    # History before ProdOps recorded it: a steady climb towards today's real count.
    start_done = max(0, latest.done - 6)
    for i, days_ago in enumerate((21, 14, 7)):
        Snapshot.objects.update_or_create(
            campaign=campaign,
            day=today - timedelta(days=days_ago),
            defaults={"done": start_done + 2 * i, "scope": latest.scope, "products": {}},
        )
