#!/usr/bin/env python
"""Screenshots of the web application, from the demo portfolio, at desktop and phone widths.

    .venv/bin/python docs/screenshots.py [OUTPUT_DIR]     (default: docs/screenshots)

Loads the demo into a temporary SQLite database, serves it with `prodops serve` on a free
port, signs in with Debian's Chromium (headless, through Playwright) and saves every page
of the web application (PAGES below: the portfolio, a product page and its gate
checklist, the evidence forms, a document, people, teams, team load, waiting on me, the
other apps' pages, the error pages), each at 1280 px and 390 px.
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
# The most telling product page: one in build or pilot with the most documents.
from django.db.models import Count
from prodops.knowledge.models import Document
from prodops.catalog.models import Team
p = (Product.objects.filter(stage__in=["build", "pilot"]).annotate(n=Count("documents"))
     .order_by("-n", "slug").first() or Product.objects.first())
docs = Document.objects.filter(product=p)
doc = docs.exclude(body="").first() or docs.first()
team = Team.objects.order_by("slug").first()
# Signed in as the product's run lead (an admin too, so every page opens): "waiting on
# me" then shows what a run lead sees.
email = p.run_lead.email if p else "shots@example.com"
get_user_model().objects.create_superuser("shots", email, {PASSWORD!r})
print(" ".join([p.slug if p else "", str(doc.pk if doc else ""), team.slug if team else ""]))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def pages(slug: str, doc: str, team: str) -> list[tuple[str, str]]:
    """(name, path) of every page to photograph."""
    product = f"/products/{slug}"
    found = [
        ("dashboard", "/"),
        ("product", f"{product}/"),
        ("waiting", "/waiting/"),
        ("people", "/people/"),
        ("teams", "/teams/"),
        ("team-load", "/team-load/"),
        ("known-errors", "/known-errors/"),
        ("standards", "/standards/"),
        ("facts", "/facts/"),
        ("activity", "/activity/"),
        ("product-new", "/products/new/"),
        ("product-edit", f"{product}/edit/"),
        ("form-training", f"{product}/evidence/training/"),
        ("form-slo", f"{product}/evidence/slo/"),
        ("form-link", f"{product}/evidence/link/"),
        ("form-oncall", f"{product}/evidence/oncall/"),
        ("form-stakeholder", f"{product}/evidence/stakeholder/"),
        ("form-go-live", f"{product}/evidence/go-live/"),
        ("form-warranty", f"{product}/evidence/warranty/"),
        ("form-support-estimate", f"{product}/evidence/support-estimate/"),
        ("form-document-new", f"{product}/evidence/document/?kind=runbook"),
        ("person-new", "/people/new/"),
        ("team-new", "/teams/new/"),
        ("readiness-trend", f"{product}/trend/"),
        ("warranty", f"{product}/warranty/"),
        ("notifications", "/notifications/"),
        ("playbooks", "/playbooks/"),
        ("campaigns", "/campaigns/"),
        ("improvement", "/improvement/"),
        ("account", "/accounts/"),
        ("not-found", "/no-such-page/"),
    ]
    if doc:
        found += [
            ("document", f"{product}/documents/{doc}/"),
            ("form-document-edit", f"{product}/evidence/document/{doc}/"),
        ]
    if team:
        found.append(("team-edit", f"/teams/{team}/edit/"))
    return found


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
    slug, doc, team = ([*prepare(env).split(" "), "", ""])[:3]
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
                for name, path in pages(slug, doc, team):
                    page.goto(path)
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=out_dir / f"{name}-{label}.png", full_page=True)
                page.goto(f"/products/{slug}/")
                page.wait_for_load_state("networkidle")
                page.locator("#checklist").screenshot(path=out_dir / f"checklist-{label}.png")
                # a refused form, showing its errors beside the fields
                page.goto(f"/products/{slug}/evidence/slo/")
                page.get_by_label("Objective (%)").fill("250")
                page.get_by_role("button", name="Save").click()
                page.locator(".errorlist").first.wait_for()
                page.screenshot(path=out_dir / f"form-error-{label}.png", full_page=True)
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
