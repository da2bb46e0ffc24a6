"""`prodops demo` end to end, as a user starts it: a new data directory, a free port;
it loads the portfolio, serves it, and its worker prints the notification emails on
the console. SIGTERM stops the server and the worker, leaving no process behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.notifications.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 600  # seconds: loading the demo takes about a minute, more on a loaded machine
NOTIFICATION = re.compile(r"^Subject: \[ProdOps\] (Transition requested|Waiver proposed)\b", re.M)
WORKER = re.compile(r"^worker \S+-(\d+)-\w+ started$", re.M)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _in_session(sid: int) -> list[int]:
    """Processes left in the demo's session (Linux /proc)."""
    left = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        if int(fields[3]) == sid and fields[0] != "Z":  # fields: state ppid pgrp session
            left.append(int(stat.parent.name))
    return left


def _serves(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_the_demo_serves_and_its_console_shows_notification_emails(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PRODOPS_"))},
        "PRODOPS_DATA_DIR": str(tmp_path / "data"),  # its own SQLite database
        "PYTHONPATH": str(ROOT / "src"),
        "PYTHONUNBUFFERED": "1",  # the worker's console output arrives as it is written
    }
    demo = subprocess.Popen(
        [sys.executable, "-m", "prodops", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own session: everything it starts can be found
    )
    console: list[str] = []

    def read() -> None:
        for line in demo.stdout or []:
            console.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        started = time.monotonic()
        while time.monotonic() - started < DEADLINE and demo.poll() is None:
            if NOTIFICATION.search("".join(console)) and _serves(f"http://127.0.0.1:{port}/accounts/login/"):
                break
            time.sleep(1)
        out = "".join(console)
        assert demo.poll() is None, f"the demo exited {demo.returncode}:\n{out[-3000:]}"
        email = NOTIFICATION.search(out)
        assert email is not None, f"no notification email on the console:\n{out[-3000:]}"
        assert _serves(f"http://127.0.0.1:{port}/accounts/login/")
        worker = WORKER.search(out)
        assert worker is not None, out[-3000:]
        worker_pid = int(worker.group(1))
        message = out[email.start() : email.start() + 3000]
        assert (
            "X-ProdOps-Event: " in message and "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message
        )
        # links point to the demo's own address, not the default port
        assert f"http://127.0.0.1:{port}/notifications/unsubscribe/" in message

        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=120) == 0, "".join(console)[-3000:]
        reader.join(timeout=30)
        assert not _alive(worker_pid), "the demo's worker outlived it"
        if Path("/proc/self/stat").exists():
            assert _in_session(demo.pid) == []
        assert "Traceback" not in "".join(console)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
