"""`prodops worker` as a process: it stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

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
