#!/usr/bin/env python
"""Screenshots of the web application, from the demo portfolio, at desktop and phone widths.

    .venv/bin/python docs/screenshots.py [OUTPUT_DIR]     (default: docs/screenshots)

Loads the demo into a temporary SQLite database, serves it with `prodops serve` on a free
port, signs in with Debian's Chromium (headless, through Playwright) and saves the
portfolio dashboard, a product page and its gate checklist, each at 1280 px and 390 px.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PASSWORD = "screenshots-only-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(env: dict[str, str]) -> str:
    """Migrate, load the demo, evaluate readiness, make a sign-in; return a product slug."""
    code = f"""
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
from django.utils import timezone
from prodops.web.management.commands.demo import load_demo
from prodops.catalog.models import Product
call_command("migrate", interactive=False, verbosity=0)
load_demo(seed=42, today=timezone.localdate(), log=lambda *a: None)
from prodops.readiness.services import evaluate_products
evaluate_products()
get_user_model().objects.create_superuser("shots", "shots@example.com", {PASSWORD!r})
# The most telling product page: one in build or pilot with the most documents.
from django.db.models import Count
p = (Product.objects.filter(stage__in=["build", "pilot"]).annotate(n=Count("documents"))
     .order_by("-n", "slug").first() or Product.objects.first())
print(p.slug if p else "")
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def main() -> int:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="prodops-shots-")
    env = {
        **os.environ,
        "PRODOPS_DATA_DIR": data_dir,
        "DATABASE_URL": f"sqlite:///{data_dir}/demo.sqlite3",
        "DJANGO_SETTINGS_MODULE": "prodops.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }
    slug = prepare(env)
    if not slug:
        print("The demo has no products; nothing to photograph.", file=sys.stderr)
        return 1
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "prodops", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for label, (width, height) in WIDTHS.items():
                page = browser.new_page(base_url=base, viewport={"width": width, "height": height})
                page.goto("/accounts/login/")
                page.get_by_label("Username").fill("shots")
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(f"{base}/")
                page.screenshot(path=out_dir / f"dashboard-{label}.png", full_page=True)
                page.goto(f"/products/{slug}/")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=out_dir / f"product-{label}.png", full_page=True)
                page.locator("#checklist").screenshot(path=out_dir / f"checklist-{label}.png")
                page.close()
            browser.close()
    finally:
        # SIGINT is gunicorn's quick shutdown (SIGTERM waits for the graceful timeout).
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    for path in sorted(out_dir.glob("*.png")):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
