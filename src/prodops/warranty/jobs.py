"""Periodic jobs of the warranty app."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.tasks import periodic
from prodops.notifications.services import both_leads, notify, team_members
from prodops.warranty.services import ProductWarranty, assess_products

NOTICE_DAYS = 14


@periodic("warranty.ending", every=timedelta(days=1))
def warranty_ending(now: datetime) -> None:
    """Tell both leads and the run team when a warranty's proposed end is two weeks away."""
    in_warranty = Product.objects.filter(stage="warranty", go_live__isnull=False)
    products = list(in_warranty.select_related("build_lead", "run_lead"))
    assessed = assess_products(products, now=now)
    today = now.date()
    with transaction.atomic():
        for product in products:
            outcome = assessed.get(product.pk)
            if not isinstance(outcome, ProductWarranty):
                continue
            days = (outcome.proposed_end - today).days
            if not 0 <= days <= NOTICE_DAYS:
                continue
            notify(
                event="warranty.ending",
                product=product,
                actor=Actor.task("warranty.ending"),
                subject={"ends_on": outcome.proposed_end.isoformat(), "days": days},
                recipients=both_leads(product) + team_members(product, role="run_team"),
                url=f"/products/{product.slug}/warranty/",
                key=f"warranty:{product.pk}:{outcome.proposed_end.isoformat()}",
            )
