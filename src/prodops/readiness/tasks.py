"""Background tasks of the readiness app."""

from __future__ import annotations

from prodops.core.tasks import task
from prodops.readiness import services


@task()
def reevaluate(product_id: int) -> bool:
    """Re-evaluate one product whose facts changed (coalesced: see request_reevaluation)."""
    return services.reevaluate_pending(product_id=product_id)
