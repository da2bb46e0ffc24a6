"""``prodops jobs``: the periodic jobs, with their last run, next run and last error."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand

from prodops.core.tasks import job_status


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "never"


def _every(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


class Command(BaseCommand):
    help = "List the periodic jobs with their period, last run, next run and last error."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = job_status()
        if options["json"]:
            data = [
                {
                    "name": r.name,
                    "every_seconds": r.every.total_seconds(),
                    "description": r.description,
                    "last_run": r.last_run.isoformat() if r.last_run else None,
                    "next_run": r.next_run.isoformat(),
                    "last_error": r.last_error,
                    "last_error_at": r.last_error_at.isoformat() if r.last_error_at else None,
                }
                for r in rows
            ]
            self.stdout.write(json.dumps(data, indent=2))
            return
        self.stdout.write(f"{'JOB':<32} {'EVERY':<6} {'LAST RUN':<19}  {'NEXT RUN':<19}  LAST ERROR")
        for r in rows:
            error = f"{_when(r.last_error_at)} {r.last_error}" if r.last_error else "-"
            self.stdout.write(
                f"{r.name:<32} {_every(r.every.total_seconds()):<6} {_when(r.last_run):<19}  "
                f"{_when(r.next_run):<19}  {error}"
            )
