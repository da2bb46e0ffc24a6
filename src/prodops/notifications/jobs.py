"""Periodic jobs of the notifications app."""

from __future__ import annotations

from datetime import datetime, timedelta

from prodops.core.tasks import periodic
from prodops.notifications import services


@periodic("notifications.digest", every=timedelta(days=1))
def daily_digest(now: datetime) -> None:
    """Send each person their daily digest of notifications."""
    services.send_digests(now=now)


@periodic("notifications.release-stale", every=timedelta(minutes=5))
def release_stale(now: datetime) -> None:
    """Queue again deliveries claimed by a worker that died while sending."""
    services.release_stale_claims(now=now)
