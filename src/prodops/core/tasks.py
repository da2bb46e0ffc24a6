"""The task API every app uses for background work.

Tasks are Django's task framework (the ``django-tasks`` backport of ``django.tasks``):
define them with ``@task`` in ``<app>/tasks.py`` and enqueue them with
``enqueue_on_commit`` so a rolled-back write never starts one. A task must be
idempotent: it may run twice (a worker can die after finishing and before recording it).

Periodic jobs are declared with ``@periodic(name, every=...)`` in ``<app>/jobs.py``; the
worker (``prodops worker``) runs each once per period however many workers run, and
``prodops jobs`` lists them. A job takes ``now`` (an aware datetime) and returns nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django_tasks import task

__all__ = ["JOBS", "PeriodicJob", "enqueue_on_commit", "jobs", "periodic", "task"]


def enqueue_on_commit(task_obj: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task_obj(*args, **kwargs)`` once the current transaction commits (at
    once outside a transaction). Arguments must be JSON-serialisable."""
    transaction.on_commit(lambda: task_obj.enqueue(*args, **kwargs))


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    func: Callable[[datetime], None]
    description: str


JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta, description: str = "") -> Callable[[Callable[..., None]], Any]:
    """Register ``func(now)`` to run every ``every``, once per period across all workers."""

    def wrap(func: Callable[[datetime], None]) -> Callable[[datetime], None]:
        doc = description or (func.__doc__ or "").strip().split("\n")[0]
        JOBS[name] = PeriodicJob(name, every, func, doc)
        return func

    return wrap


def jobs() -> dict[str, PeriodicJob]:
    """Every periodic job of the installed apps (their ``jobs`` modules are imported)."""
    from prodops.core.discovery import app_modules

    for _module in app_modules("jobs"):
        pass
    return dict(sorted(JOBS.items()))
