"""Processes started together on a new data directory (web processes, workers) agree on
one generated secret key. The three-worker test once lost a worker to this race: two
processes saw no ``usage_secret`` file, both tried to create it, the second crashed with
FileExistsError before Django was set up."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from prodops.settings import _write_once

ROOT = Path(__file__).resolve().parents[2]

# Each process waits for the same starting signal, then reads the settings.
READ_KEYS = """
import os, sys, time
import dj_database_url, secrets  # imported before the start, so all start together
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.0005)
from prodops import settings
print(settings.SECRET_KEY, settings.PRODOPS_USAGE_SECRET)
"""


def start_together(data: Path, go: Path, count: int) -> list[tuple[int, str, str]]:
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"PRODOPS_SECRET_KEY", "PRODOPS_USAGE_SECRET"}},
        "PRODOPS_DATA_DIR": str(data),
        "PYTHONPATH": str(ROOT / "src"),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", READ_KEYS, str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    go.touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    return [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]


@pytest.mark.parametrize("round_", range(3))  # the race shows in about 4 rounds out of 10
def test_processes_started_together_share_one_key(tmp_path, round_):
    data = tmp_path / "data"
    results = start_together(data, tmp_path / "go", 8)
    assert [code for code, _, _ in results] == [0] * 8, [err for _, _, err in results]
    keys = {out.strip() for _, out, _ in results}
    assert len(keys) == 1
    secret_key, usage_secret = keys.pop().split()
    assert len(secret_key) >= 50 and len(usage_secret) >= 50
    assert (data / "secret_key").read_text() == secret_key
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600
    assert not [p.name for p in data.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_an_existing_key_is_never_replaced(tmp_path):
    path = tmp_path / "secret_key"
    _write_once(path, "first")
    _write_once(path, "second")
    assert path.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
