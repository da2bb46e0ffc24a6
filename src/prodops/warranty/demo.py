"""Demo: every product in warranty gets an agreed policy if it has none, so its chart,
its proposed end and its operate gate follow from the defects the events demo seeded."""

from __future__ import annotations

import random
from datetime import date

from prodops.catalog.models import Product
from prodops.catalog.services import update_product
from prodops.core.actors import Actor

DEMO_POLICY = {
    "threshold": {"defects": 1, "per": "14d"},
    "min_days": 30,
    "max_days": 120,
    "severities": ["critical", "high"],
}


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:

    for product in Product.objects.filter(stage="warranty", go_live__isnull=False).order_by("slug"):
        if not product.warranty:
            update_product(actor=actor, product=product, changes={"warranty": dict(DEMO_POLICY)})
