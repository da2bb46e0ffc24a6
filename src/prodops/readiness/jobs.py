"""Periodic jobs of the readiness app: expiries, warnings before them, and the nightly
full evaluation."""

from __future__ import annotations

from datetime import datetime, timedelta

from prodops.core.tasks import periodic
from prodops.readiness import services


@periodic("readiness.expiries", every=timedelta(minutes=1))
def expiries(now: datetime, since: datetime) -> None:
    """Re-evaluate products whose waivers or attestations expired since the last run."""
    services.reevaluate_expired(since=since, now=now)
    services.requeue_stale_reevaluations(older_than=timedelta(minutes=10), now=now)


@periodic("readiness.waiver-warnings", every=timedelta(hours=1))
def waiver_warnings(now: datetime) -> None:
    """Tell both leads 14, 7 and 1 days before a waiver expires."""
    services.warn_expiring_waivers(now=now)


@periodic("readiness.attestations-due", every=timedelta(hours=1))
def attestations_due(now: datetime) -> None:
    """Tell the attesting role when an attestation expires within a week."""
    services.warn_attestations_due(now=now)


@periodic("readiness.nightly", every=timedelta(days=1))
def nightly(now: datetime) -> None:
    """Evaluate every product (the safety net under the change-driven re-evaluations)."""
    services.evaluate_products(now=now)
