"""The background worker: Django tasks from the database queue, and periodic jobs.

Built on django-tasks-db's worker: a task is claimed inside a transaction with
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (an exclusive transaction on SQLite),
marked running with this worker's id, then run outside that transaction. Several
workers on several machines therefore never run the same queued task twice. Between
tasks, the worker runs the periodic jobs that are due (``core.tasks.run_due_jobs``:
one run per job and period, whatever the number of workers).

SIGTERM or SIGINT stops the worker cleanly: a running task or job is finished and
recorded first; an idle worker exits at once. A second signal aborts the running task.
"""

from __future__ import annotations

import logging
import time

from django.db import OperationalError, close_old_connections, connection
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from prodops.core.tasks import run_due_jobs

log = logging.getLogger(__name__)

# How often an idle worker looks for due periodic jobs (seconds). The shortest period in
# use is a minute; looking every few seconds keeps a job's start close to its period's.
JOBS_EVERY = 5.0


def _refresh_connection() -> None:
    """Drop a broken or too old database connection, as Django does between requests;
    never inside a transaction (a caller's, e.g. a test's), which it would break."""
    if not connection.in_atomic_block:
        close_old_connections()


class ProdOpsWorker(Worker):
    def __init__(self, *, worker_id: str, interval: float = 0.5, once: bool = False) -> None:
        super().__init__(
            queue_names=["*"],
            interval=interval,
            batch=once,
            backend_name="default",
            startup_delay=not once,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.once = once
        self.tasks_run = 0
        self.jobs_run: list[str] = []
        self._jobs_checked = 0.0

    def _queue_enabled(self) -> bool:

        return isinstance(task_backends[self.backend_name], DatabaseBackend)

    def _claim(self) -> tuple[DBTaskResult | None, bool]:
        """The next ready task, claimed for this worker (None: the queue is empty). The
        second value is False when the database was locked and nothing was learnt."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as error:
            if is_locked_database_exception(error):
                return None, False
            raise
        return task_result, True

    def _jobs(self) -> None:
        self.running_task = True  # a signal now lets the job finish, as it does a task
        try:
            outcomes = run_due_jobs(worker_id=self.worker_id)
        finally:
            self.running_task = False
        for outcome in outcomes:
            self.jobs_run.append(outcome.name)
            if outcome.error:
                log.error("periodic job %s failed:\n%s", outcome.name, outcome.error)
        self._jobs_checked = time.monotonic()

    def run(self) -> None:
        queue = self._queue_enabled()
        if self.startup_delay and self.interval:
            time.sleep(self.interval)  # spread workers started together
        while self.running:
            _refresh_connection()
            if (self.once and not self._jobs_checked) or (
                not self.once and time.monotonic() - self._jobs_checked >= JOBS_EVERY
            ):
                self._jobs()
            task_result, learnt = self._claim() if queue else (None, True)
            if task_result is not None:
                self.run_task(task_result)
                self.tasks_run += 1
            if self.once and learnt and task_result is None:
                return
            _refresh_connection()
            if self.running and task_result is None:
                time.sleep(self.interval)
