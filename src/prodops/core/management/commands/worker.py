"""``prodops worker``: run background tasks and periodic jobs."""

from __future__ import annotations

import os
import socket
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils.crypto import get_random_string

from prodops.core.errors import InvalidInput
from prodops.core.worker import ProdOpsWorker


class Command(BaseCommand):
    help = (
        "Run background tasks and periodic jobs until SIGTERM (a running task is finished "
        "first). With --once: run every due periodic job and every queued task, then exit 0."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run what is due and queued, then exit (cron, tests)."
        )
        parser.add_argument(
            "--interval", type=float, default=0.5, help="Seconds to wait when the queue is empty."
        )
        parser.add_argument("--worker-id", default="", help="A unique id (default: host, pid, random).")

    def handle(self, *args: Any, once: bool, interval: float, worker_id: str, **options: Any) -> None:
        if not (interval >= 0 and interval < 3600):
            raise InvalidInput("--interval must be between 0 and 3600 seconds", field="interval")
        worker_id = worker_id or f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(6)}"
        worker = ProdOpsWorker(worker_id=worker_id[:64], interval=interval, once=once)
        if not once:
            # A long-running worker polls the queue twice a second when idle and closes
            # "old" connections between polls (as Django does between requests): with
            # the web's default of 0 it would reconnect on every poll and every task.
            # Keep one connection for PRODOPS_WORKER_CONN_MAX_AGE seconds instead
            # (health-checked before reuse); it takes effect from the next connection.
            for alias in connections:
                connections[alias].settings_dict["CONN_MAX_AGE"] = settings.PRODOPS_WORKER_CONN_MAX_AGE
            worker.configure_signals()
            self.stdout.write(f"worker {worker.worker_id} started")
            self.stdout.flush()
        worker.run()
        if once:
            jobs = ", ".join(worker.jobs_run) or "none"
            self.stdout.write(f"ran {worker.tasks_run} task(s); periodic jobs run: {jobs}")
