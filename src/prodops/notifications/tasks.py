"""Background tasks of the notifications app."""

from __future__ import annotations

from prodops.core.tasks import task
from prodops.notifications import services


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery (a no-op if another worker has it or it is not due)."""
    return services.deliver(delivery_id=delivery_id)
