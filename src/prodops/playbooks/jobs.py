"""Periodic jobs of the playbooks app (run by ``prodops worker``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from prodops.core.tasks import periodic
from prodops.playbooks.models import Run
from prodops.playbooks.services import check_waits, start_scheduled


@periodic("playbooks.check_waits", every=timedelta(minutes=15))
def check_waiting_steps(now: datetime) -> None:
    """Complete wait_for steps whose condition holds (facts that change with time alone)."""

    for run in Run.objects.filter(status=Run.Status.OPEN, steps__kind="wait_for").distinct():
        check_waits(run, now=now)


@periodic("playbooks.schedule", every=timedelta(hours=1))
def start_scheduled_runs(now: datetime) -> None:
    """Start the runs of scheduled playbooks that are due."""

    start_scheduled(now=now)
