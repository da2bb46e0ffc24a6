"""Periodic jobs of the campaigns app (run by ``prodops worker``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from prodops.campaigns.models import Campaign
from prodops.campaigns.services import enforce_dates, selected_products, send_reminders, take_snapshot
from prodops.core.tasks import periodic
from prodops.readiness.services import evaluate_products


@periodic("campaigns.daily", every=timedelta(hours=6))
def daily(now: datetime) -> None:
    """Snapshot each active campaign (the burn-up), send the 14/3-day reminders, and
    re-evaluate products whose gates an enforce_from date changes today."""

    for campaign in Campaign.objects.filter(status=Campaign.Status.ACTIVE):
        take_snapshot(campaign, now=now)
        if now.date() in set(enforce_dates(campaign).values()):
            evaluate_products(product_ids=[p.pk for p in selected_products(campaign)], now=now)
    send_reminders(now=now)
