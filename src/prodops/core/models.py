"""Core tables: the record of periodic job runs (the worker's schedule)."""

from __future__ import annotations

from django.db import models


class PeriodicJobRun(models.Model):
    """One run of a periodic job for one period. The unique (name, period_start) pair is
    the compare-and-set that makes a job run once per period however many workers run:
    the worker that inserts the row runs the job, every other one gets a conflict."""

    name = models.CharField(max_length=100)
    period_start = models.DateTimeField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    worker_id = models.CharField(max_length=64, blank=True, default="")
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-period_start", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "period_start"], name="core_periodic_job_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.period_start:%Y-%m-%d %H:%M}"
