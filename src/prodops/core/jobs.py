"""Periodic jobs of the core: keeping the queue and the job history small."""

from __future__ import annotations

from datetime import datetime, timedelta

from django_tasks_db.models import DBTaskResult

from prodops.core.models import PeriodicJobRun
from prodops.core.tasks import periodic

KEEP_TASKS = timedelta(days=7)
KEEP_JOB_RUNS = timedelta(days=30)


@periodic("core.prune", every=timedelta(days=1))
def prune(now: datetime) -> None:
    """Delete finished task results after a week and periodic job runs after 30 days."""
    DBTaskResult.objects.finished().filter(finished_at__lt=now - KEEP_TASKS).delete()
    PeriodicJobRun.objects.filter(period_start__lt=now - KEEP_JOB_RUNS).delete()
