from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


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

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from prodops.wsgi import application

        bind = f"{options['host']}:{options['port']}"

        class Server(BaseApplication):
            def load_config(self) -> None:
                self.cfg.set("bind", bind)
                self.cfg.set("workers", options["workers"])
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 60)

            def load(self) -> Any:
                return application

        self.stdout.write(f"ProdOps is serving on http://{bind}/  (Ctrl+C stops it)")
        self.stdout.flush()
        Server().run()
