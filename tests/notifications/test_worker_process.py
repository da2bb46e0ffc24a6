"""`prodops worker` as a process: it stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_sigterm_stops_an_idle_worker_with_exit_0(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "PRODOPS_DATA_DIR": str(tmp_path),  # its own SQLite database
        "PYTHONPATH": str(ROOT / "src"),
        "PRODOPS_EMAIL_URL": "console://",
    }
    prodops = [sys.executable, "-m", "prodops"]
    subprocess.run([*prodops, "migrate"], env=env, check=True, capture_output=True, timeout=600)
    worker = subprocess.Popen(
        [*prodops, "worker", "--worker-id", "sigterm-test"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        assert "worker sigterm-test started" in worker.stdout.readline()
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "Traceback" not in err


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
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PRODOPS_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
        "PRODOPS_EMAIL_URL": "console://",
        "PRODOPS_WORKER_CONN_MAX_AGE": max_age,
        "PGAPPNAME": name,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "prodops", "worker", "--interval", "0.1", "--worker-id", name],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sessions: set[int] = set()
    try:
        assert worker.stdout is not None
        assert f"worker {name} started" in worker.stdout.readline()
        deadline = time.monotonic() + 3
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [name])
                sessions |= {row[0] for row in cursor.fetchall()}
                time.sleep(0.02)
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    if kept:
        assert len(sessions) == 1, sessions
    else:
        assert len(sessions) >= 5, sessions  # about thirty polls, each its own session
