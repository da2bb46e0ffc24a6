"""Demo: Web Checkout pages its run team three times a 12-hour shift for five weeks,
so the handback check has proposed handing it back (flagged until both leads decide)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.events import services as events
from prodops.events.records import Record
from prodops.handback import services
from prodops.handback.load import SHIFT

SLUG = "checkout-web"
DAYS = 36


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    product = Product.objects.filter(slug=SLUG, stage="operate").first()
    if product is None:
        return
    now = timezone.make_aware(datetime.combine(today, time(8, 0)))
    start = now - timedelta(days=DAYS)
    records = []
    for shift in range(DAYS * 2):
        for k in range(3):
            at = start + SHIFT * shift + timedelta(hours=1 + 3 * k, minutes=rng.randint(0, 120))
            fields = {
                "title": "checkout 5xx burn rate",
                "triggered_at": at,
                "resolved_at": at + timedelta(minutes=25),
            }
            records.append((0, Record("page", "prodops", f"demo-handback-{shift}-{k}", fields, product=SLUG)))
    events.ingest(records=records, actor=actor, description="demo: an overloaded run team")
    # Eight days ago the check first saw it over the limits; today it proposes the handback.
    services.check_all(now=now - timedelta(days=8))
    services.check_all(now=now)
