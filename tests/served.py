"""A served ProdOps: gunicorn with several worker processes on a throwaway database of the
same kind as the tests' (a new PostgreSQL database on the same server, or an SQLite
file), for tests that need real concurrent clients. Nothing here touches the tests' own
database: the server's data is committed, as in production.

    with served(setup=SETUP_SCRIPT) as server:
        server.request("PATCH", "/api/v1/products/x", token, {...})
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Response:
    status: int
    body: Any


@dataclass
class Server:
    base: str
    database_url: str
    setup: dict[str, Any] = field(default_factory=dict)
    log: Path | None = None

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's log (tracebacks of 5xx answers), for assertion messages."""
        return self.log.read_text()[-chars:] if self.log is not None and self.log.exists() else ""

    def request(
        self, method: str, path: str, token: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                raw = resp.read()
                status = resp.status
        except urllib.error.HTTPError as exc:
            raw, status = exc.read(), exc.code
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Response(status, parsed)

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the served database directly (to count what happened, not to arrange it)."""
        if self.database_url.startswith("sqlite:///"):
            import sqlite3

            with closing(sqlite3.connect(self.database_url.removeprefix("sqlite:///"))) as conn:
                return list(conn.execute(query.replace("%s", "?"), params).fetchall())
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return list(conn.execute(query, params).fetchall())


def is_postgresql() -> bool:
    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _database(tmp: Path) -> Iterator[str]:
    if not is_postgresql():
        yield f"sqlite:///{tmp / 'served.sqlite3'}"
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"served_{uuid.uuid4().hex[:12]}"
    params = {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"], "dbname": "postgres"}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    try:
        yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DATABASE_URL=database_url,
        PRODOPS_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="prodops.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )
    return env


@contextmanager
def served(*, setup: str, workers: int = 4) -> Iterator[Server]:
    """Migrate a new database, run ``setup`` (Python source run with Django set up; what
    it prints as JSON on its last line becomes ``server.setup``), then serve it with
    gunicorn on a free loopback port until the block ends."""
    with tempfile.TemporaryDirectory(prefix="prodops-served-") as tmpname:
        tmp = Path(tmpname)
        with _database(tmp) as url:
            env = _env(url, tmp)
            run = {"env": env, "cwd": ROOT, "capture_output": True, "text": True, "timeout": 600}
            migrate = [sys.executable, "-m", "prodops", "migrate", "-v", "0"]
            migrated = subprocess.run(migrate, check=False, **run)
            assert migrated.returncode == 0, migrated.stderr
            script = "import django; django.setup()\n" + setup
            done = subprocess.run([sys.executable, "-c", script], check=False, **run)
            assert done.returncode == 0, done.stderr
            result = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
            port = _free_port()
            log = (tmp / "server.log").open("w")
            # gunicorn itself, not `prodops serve`, so that the test can turn off the
            # control socket (its default path is shared by every gunicorn of the user).
            proc = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "prodops.wsgi:application",
                    "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                    "--timeout", "120", "--no-control-socket",
                ],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            server = Server(
                base=f"http://127.0.0.1:{port}", database_url=url, setup=result, log=tmp / "server.log"
            )
            try:
                _wait(server, proc, tmp / "server.log")
                yield server
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                log.close()
                if os.environ.get("PRODOPS_SERVED_LOG"):  # keep the log for a post-mortem
                    Path(os.environ["PRODOPS_SERVED_LOG"]).write_text((tmp / "server.log").read_text())


def _wait(server: Server, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server stopped: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(server.base + "/api/v1/openapi.json", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise AssertionError(f"the server did not answer within 120 s: {log.read_text()[-2000:]}")
