from __future__ import annotations

import os
import random
import secrets
import signal
import subprocess
import sys
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from prodops.accounts.services import create_token
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.discovery import app_modules
from prodops.readiness.services import evaluate_products


class Command(BaseCommand):
    help = "Create and migrate the database, load the demo portfolio, and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Load the demo, do not serve.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed for the demo data.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)

        if Product.objects.exists():
            self.stdout.write("The database already holds products; the demo data is not loaded again.")
        else:
            self.stdout.write("Loading the demo portfolio…")
            load_demo(seed=options["seed"], today=timezone.localdate(), log=self.stdout.write)
        with transaction.atomic():
            password, token = demo_credentials()
        self.stdout.write(self.style.SUCCESS("\nDemo ready."))
        self.stdout.write(f"  Sign in at http://{options['host']}:{options['port']}/ as  admin / {password}")
        self.stdout.write(f"  API token (read-only): {token}")
        self.stdout.write(
            f"  e.g. curl -H 'Authorization: Bearer {token}' "
            f"http://{options['host']}:{options['port']}/api/v1/products\n"
        )
        if not options["no_serve"]:
            # SIGTERM before gunicorn takes the signal over still stops the worker below.
            signal.signal(signal.SIGTERM, _exit)
            site_url = f"http://{options['host']}:{options['port']}"
            worker = start_worker(site_url=site_url, log=self.stdout.write)
            try:
                call_command("serve", host=options["host"], port=options["port"])
            finally:
                worker.terminate()  # SIGTERM: the worker finishes its task, then exits
                worker.wait(timeout=60)


def _exit(signum: int, frame: Any) -> None:
    sys.exit(0)


def start_worker(*, site_url: str = "", log: Any = print) -> subprocess.Popen[bytes]:
    """A ``prodops worker`` beside the demo's server, sharing its console. Emails go to
    the console (``PRODOPS_EMAIL_URL=console://`` unless set), so the notifications the
    demo sends are printed there, with links to the demo's address. The worker has its
    own process group: Ctrl+C reaches the server only, which then stops the worker with
    one SIGTERM (two signals would abort its running task)."""
    env = {**os.environ, "PRODOPS_EMAIL_URL": os.environ.get("PRODOPS_EMAIL_URL") or "console://"}
    if site_url and not os.environ.get("PRODOPS_SITE_URL"):
        env["PRODOPS_SITE_URL"] = site_url
    log("Starting a background worker (notifications, re-evaluations, schedules)…")
    return subprocess.Popen([sys.executable, "-m", "prodops", "worker"], env=env, process_group=0)


def load_demo(*, seed: int, today: date, log: Any = print) -> None:
    """Run every app's ``demo.seed`` in app order, then store the portfolio's first
    evaluation, in one transaction.

    The evaluation comes last, once every fact is seeded: a product's first stored
    evaluation reports no news, whereas one stored half-way (before the documents, risks
    and events exist) would have criteria pass that the complete data then fails, and
    the worker's first re-evaluation would send a ``criterion.regressed`` for each of
    them, a change that never happened in the demo's story."""
    actor = Actor.system("demo")
    rng = random.Random(seed)
    with transaction.atomic():
        for module in app_modules("demo"):
            log(f"  {module.__name__}")
            module.seed(actor=actor, today=today, rng=rng)
        evaluate_products(now=timezone.now())


def demo_credentials() -> tuple[str, str]:
    """A fresh random password for the demo admin, and a read-only API token."""

    user_model = get_user_model()
    password = secrets.token_urlsafe(12)
    user, _ = user_model.objects.get_or_create(
        username="admin", defaults={"email": "admin@example.com", "is_staff": True, "is_superuser": True}
    )
    user.set_password(password)
    user.save()
    _, raw = create_token(actor=Actor.for_user(user, "system"), user=user, name="demo", read_only=True)
    return password, raw
