"""A year of user-level usage for the demo, and customer ratings on support tickets.

checkout-web keeps its users (a daily return chance that decays slowly and levels off);
catalog-search loses most of them within weeks. Each user key is an invented visitor id,
hashed at ingestion like any other."""

from __future__ import annotations

import random
from datetime import date, timedelta

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.events import services as events
from prodops.events.models import Ticket
from prodops.events.records import Record

# slug: (users joining over the year, p(active | age) = a * (age + 1) ** -decay + floor, p(good rating))
PROFILES = {
    "checkout-web": (1500, 0.55, 0.35, 0.06, 0.86),
    "catalog-search": (1000, 0.45, 0.8, 0.0, 0.62),
}
DAYS = 365


def _usage(slug: str, today: date, rng: random.Random) -> list[Record]:
    users, a, decay, floor, _ = PROFILES[slug]
    records = []
    for n in range(users):
        joined = DAYS - 1 - int(rng.random() ** 0.8 * DAYS)  # more users joined recently
        start = today - timedelta(days=joined)
        key = f"{slug}-visitor-{n:05d}"
        records.append(Record("usage", "prodops", "", {"date": start, "user": key}, product=slug))
        for age in range(1, joined + 1):
            if rng.random() < a * (age + 1) ** -decay + floor:
                day = start + timedelta(days=age)
                records.append(Record("usage", "prodops", "", {"date": day, "user": key}, product=slug))
    return records


def _ratings(product: Product, good: float, rng: random.Random) -> list[Record]:
    records = []
    for ticket in Ticket.objects.filter(product=product, closed_at__isnull=False):
        if rng.random() < 0.4:
            records.append(
                Record(
                    "ticket",
                    ticket.source,
                    ticket.external_id,
                    {
                        "opened_at": ticket.opened_at,
                        "closed_at": ticket.closed_at,
                        "handle_minutes": ticket.handle_minutes,
                        "rating": "good" if rng.random() < good else "bad",
                        "rated_at": ticket.closed_at,
                    },
                    product=product.slug,
                )
            )
    return records


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    for slug, profile in PROFILES.items():
        product = Product.objects.filter(slug=slug).first()
        if product is None:
            continue
        records = _usage(slug, today, rng) + _ratings(product, profile[-1], rng)
        events.ingest(
            records=list(enumerate(records, start=1)),
            actor=actor,
            description=f"demo: a year of usage and ticket ratings for {slug}",
        )
