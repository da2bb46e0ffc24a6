"""`prodops worker` as a process: it stops cleanly on SIGTERM, and an idle worker keeps
one database connection."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PRODOPS = [sys.executable, "-m", "prodops"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "PRODOPS_DATA_DIR": str(tmp_path),  # its own SQLite database, unless DATABASE_URL
        "PYTHONPATH": str(ROOT / "src"),
        "PRODOPS_EMAIL_URL": "console://",
        **extra,
    }


@contextmanager
def _worker(name: str, env: dict[str, str], *args: str) -> Iterator[list[str]]:
    """A started `prodops worker` (its "started" line read); on leaving, SIGTERM, and the
    worker must exit 0 without a traceback. Yields a list that gets its stderr."""
    worker = subprocess.Popen(
        [*PRODOPS, "worker", "--worker-id", name, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    errors: list[str] = []
    try:
        assert worker.stdout is not None
        assert f"worker {name} started" in worker.stdout.readline()
        yield errors
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=120)
        errors.append(err)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, errors
    assert "Traceback" not in "".join(errors)


def test_sigterm_stops_an_idle_worker_with_exit_0(tmp_path):
    env = _env(tmp_path)
    subprocess.run([*PRODOPS, "migrate"], env=env, check=True, capture_output=True, timeout=600)
    with _worker("sigterm-test", env):
        pass


@pytest.mark.skipif(connection.vendor != "postgresql", reason="counts the server's sessions")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("max_age", "kept"), [("300", True), ("0", False)])
def test_an_idle_worker_keeps_one_connection(tmp_path, max_age, kept):
    """An idle worker polls the queue ten times a second here (--interval 0.1). With
    PRODOPS_WORKER_CONN_MAX_AGE (default 300 s) it does so over one database session;
    with 0 it opens a new session for each poll (the behaviour before). Sessions are
    told apart by PostgreSQL's backend pid, sampled from pg_stat_activity; libpq
    names them through PGAPPNAME."""
    from tests.notifications.test_many_workers import database_url

    name = f"worker-conn-{max_age}"
    env = _env(tmp_path, DATABASE_URL=database_url(), PRODOPS_WORKER_CONN_MAX_AGE=max_age, PGAPPNAME=name)
    sessions: set[int] = set()
    with _worker(name, env, "--interval", "0.1"), connection.cursor() as cursor:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [name])
            sessions |= {row[0] for row in cursor.fetchall()}
            time.sleep(0.02)
    if kept:
        assert len(sessions) == 1, sessions
    else:
        assert len(sessions) >= 5, sessions  # about thirty polls, each its own session
