"""The task API every app uses for background work.

Tasks are Django's task framework (the ``django-tasks`` backport of ``django.tasks``):
define them with ``@task`` in ``<app>/tasks.py`` and enqueue them with
``enqueue_on_commit`` so a rolled-back write never starts one. A task must be
idempotent: it may run twice (a worker can die after finishing and before recording it).

With the database backend (the default) the task row is written *inside* the caller's
transaction: it commits with the change that asked for it or rolls back with it (a
transactional outbox), and no worker sees it before the commit. Other backends (the
``immediate`` one) are enqueued once the transaction commits.

Periodic jobs are declared with ``@periodic(name, every=...)`` in ``<app>/jobs.py``; the
worker (``prodops worker``) runs each once per period however many workers run, and
``prodops jobs`` lists them. A job takes ``now`` (an aware datetime) and returns nothing;
a job that also takes ``since`` gets the start of the period of its previous run (or
``now - every`` for its first run), so it can act on what happened in between.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend

from prodops.core.discovery import app_modules
from prodops.core.models import PeriodicJobRun

__all__ = [
    "JOBS",
    "PeriodicJob",
    "enqueue_on_commit",
    "job_status",
    "jobs",
    "period_start",
    "periodic",
    "run_due_jobs",
    "task",
]

_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday: weekly periods start on Mondays


def _transactional_backend(task_obj: Any) -> bool:

    return isinstance(task_obj.get_backend(), DatabaseBackend)


def enqueue_on_commit(task_obj: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task_obj(*args, **kwargs)`` so that it runs only if the current
    transaction commits. Arguments must be JSON-serialisable."""
    if _transactional_backend(task_obj):
        # The task row is part of this transaction: committed or rolled back with it.
        task_obj.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task_obj.enqueue(*args, **kwargs))


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    func: Callable[..., None]
    description: str
    wants_since: bool = False


JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta, description: str = "") -> Callable[[Callable[..., None]], Any]:
    """Register ``func(now)`` (or ``func(now, since)``) to run every ``every``, once per
    period across all workers."""

    def wrap(func: Callable[..., None]) -> Callable[..., None]:
        doc = description or (func.__doc__ or "").strip().split("\n")[0]
        wants_since = "since" in inspect.signature(func).parameters
        JOBS[name] = PeriodicJob(name, every, func, doc, wants_since)
        return func

    return wrap


def jobs() -> dict[str, PeriodicJob]:
    """Every periodic job of the installed apps (their ``jobs`` modules are imported)."""

    for _module in app_modules("jobs"):
        pass
    return dict(sorted(JOBS.items()))


def period_start(now: datetime, every: timedelta) -> datetime:
    """The start of the period containing ``now``: periods are aligned on a fixed epoch
    (UTC), so every worker computes the same start whatever its clock's phase."""
    steps = (now - _EPOCH) // every
    return _EPOCH + steps * every


@dataclass(frozen=True)
class JobOutcome:
    name: str
    period_start: datetime
    error: str


def run_due_jobs(*, now: datetime | None = None, worker_id: str = "") -> list[JobOutcome]:
    """Run every job whose current period has no run yet. The worker that inserts the
    (name, period_start) row runs the job; the others get a conflict and skip it."""

    now = now or timezone.now()
    outcomes = []
    for job in jobs().values():
        start = period_start(now, job.every)
        try:
            with transaction.atomic():
                run = PeriodicJobRun.objects.create(
                    name=job.name, period_start=start, started_at=timezone.now(), worker_id=worker_id[:64]
                )
        except IntegrityError:
            continue  # another worker has this period
        error = ""
        try:
            if job.wants_since:
                previous = (
                    PeriodicJobRun.objects.filter(name=job.name, period_start__lt=start)
                    .order_by("-period_start")
                    .values_list("period_start", flat=True)
                    .first()
                )
                job.func(now, since=previous or now - job.every)
            else:
                job.func(now)
        except Exception:
            error = traceback.format_exc()[-4000:]
        PeriodicJobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), error=error)
        outcomes.append(JobOutcome(job.name, start, error))
    return outcomes


@dataclass(frozen=True)
class JobStatus:
    name: str
    every: timedelta
    description: str
    last_run: datetime | None
    next_run: datetime
    last_error: str
    last_error_at: datetime | None


def job_status(*, now: datetime | None = None) -> list[JobStatus]:
    """Each job with its last run, its next run and its last error (if any)."""

    now = now or timezone.now()
    out = []
    for job in jobs().values():
        runs = PeriodicJobRun.objects.filter(name=job.name)
        last = runs.order_by("-period_start").first()
        failed = runs.exclude(error="").order_by("-period_start").first()
        current = period_start(now, job.every)
        due_now = last is None or last.period_start < current
        out.append(
            JobStatus(
                name=job.name,
                every=job.every,
                description=job.description,
                last_run=last.started_at if last else None,
                next_run=now if due_now else current + job.every,
                last_error=failed.error.strip().splitlines()[-1] if failed else "",
                last_error_at=failed.started_at if failed else None,
            )
        )
    return out
