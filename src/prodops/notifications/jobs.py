"""Periodic jobs of the notifications app."""

from __future__ import annotations

from datetime import datetime, timedelta

from prodops.core.tasks import periodic
from prodops.notifications import services


@periodic("notifications.digest", every=timedelta(minutes=15))
def daily_digest(now: datetime) -> None:
    """Send each person their daily digest, once a day at or after their local hour."""
    services.send_digests(now=now)


@periodic("notifications.release-stale", every=timedelta(minutes=5))
def release_stale(now: datetime) -> None:
    """Queue again deliveries claimed by a worker that died while sending."""
    services.release_stale_claims(now=now)
