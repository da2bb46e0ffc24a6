"""The periodic handback check (run by ``prodops worker``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from prodops.core.tasks import periodic
from prodops.handback import services


@periodic("handback.check", every=timedelta(hours=1))
def check_handback(now: datetime) -> None:
    """Track operational load; propose a handback once it stays over the limits."""
    with transaction.atomic():
        services.check_all(now=now)
