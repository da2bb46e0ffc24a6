from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.base import BaseApplication

# A Unix socket path must fit in sun_path (108 bytes on Linux, 104 on macOS).
_MAX_SOCKET_PATH = 100


def control_socket(host: str, port: int) -> str | None:
    """This instance's own gunicorn control socket: in the data directory (0700), named
    by address, so two instances on one host never replace each other's socket (gunicorn's
    default is one shared ``~/.gunicorn/gunicorn.ctl``). None when the path would be too
    long for a Unix socket: then the instance has none."""
    safe_host = "".join(c if c.isalnum() or c in ".-" else "_" for c in host)
    path = Path(settings.DATA_DIR) / f"gunicorn-{safe_host}-{port}.ctl"
    return str(path) if len(str(path).encode()) <= _MAX_SOCKET_PATH else None


class Command(BaseCommand):
    help = "Serve ProdOps over HTTP with gunicorn (production server)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("PRODOPS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PRODOPS_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("PRODOPS_WORKERS", "2")),
            help="Worker processes (default 2, or PRODOPS_WORKERS).",
        )
        parser.add_argument(
            "--control-socket",
            default="",
            help=(
                "gunicorn's control socket (for gunicornc). Default: gunicorn-HOST-PORT.ctl in "
                "the data directory, one per instance."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:

        from prodops.wsgi import application  # noqa: PLC0415 - builds the WSGI app (django.setup) only when serving

        bind = f"{options['host']}:{options['port']}"
        socket = options["control_socket"] or control_socket(options["host"], options["port"])

        class Server(BaseApplication):
            def load_config(self) -> None:
                self.cfg.set("bind", bind)
                self.cfg.set("workers", options["workers"])
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 60)
                if socket:
                    self.cfg.set("control_socket", socket)
                else:
                    self.cfg.set("control_socket_disable", True)

            def load(self) -> Any:
                return application

        self.stdout.write(f"ProdOps is serving on http://{bind}/  (Ctrl+C stops it)")
        self.stdout.flush()
        Server().run()
