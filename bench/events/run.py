"""Events benchmarks on PostgreSQL: bulk ingestion through the API's bulk endpoint, and
`prodops dora --all` over millions of events.

    .venv/bin/python bench/events/run.py                 # 10 M events, 1,000 products
    .venv/bin/python bench/events/run.py --events 1000000

Starts a throwaway PostgreSQL (scripts/pg-start) unless DATABASE_URL is set. The bulk
requests go through Django's test client: the whole request path (URL routing, token
auth, NDJSON parsing, validation, mapping, upsert, audit, facts signal) without a socket.
The 10 M events are generated inside PostgreSQL with generate_series.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_postgres() -> tuple[str, str]:
    out = subprocess.check_output([str(ROOT / "scripts/pg-start")], text=True)
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and " " not in line)
    return values["PG_URL"], values["PGTMP"]


def backend_cpu() -> float:
    """CPU seconds (user + system) used so far by this connection's PostgreSQL backend,
    read from /proc (the server runs on this machine); the work done inside the database
    does not show in this process's CPU time."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def clocks() -> tuple[float, float, float]:
    return time.perf_counter(), time.process_time(), backend_cpu()


def spent(before: tuple[float, float, float]) -> str:
    wall, cpu, db = (now - then for now, then in zip(clocks(), before, strict=True))
    return f"{wall:.2f} s (CPU: Python {cpu:.2f} s, PostgreSQL backend {db:.2f} s)"


def bench_ingest(requests: int, per_request: int) -> None:
    from django.test import Client

    from prodops.accounts.models import ApiToken, hash_token
    from prodops.catalog.models import Person, Product
    from prodops.events.models import Change, Deployment, Incident

    lead = Person.objects.create(email="bench@example.com")
    slugs = [f"ingest-{i}" for i in range(10)]
    Product.objects.bulk_create([Product(slug=s, name=s, build_lead=lead, run_lead=lead) for s in slugs])
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench", "bench@example.com", "x")
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name="bench", prefix=raw[:10], token_hash=hash_token(raw))
    client = Client()
    bodies = []
    for r in range(requests):
        lines = []
        for i in range(per_request):
            n = r * per_request + i
            slug = slugs[n % len(slugs)]
            day = 1 + n % 28
            if n % 10 < 6:
                line = {
                    "type": "change",
                    "product": slug,
                    "sha": f"{n:040x}",
                    "committed_at": f"2026-02-{day:02d}T10:{n % 60:02d}:00Z",
                    "push_sha": f"{n // 3:040x}",
                }
            elif n % 10 < 9:
                line = {
                    "type": "deployment",
                    "product": slug,
                    "id": f"d{n}",
                    "sha": f"{n // 3:040x}",
                    "deployed_at": f"2026-02-{day:02d}T12:{n % 60:02d}:00Z",
                    "status": "success",
                }
            else:
                line = {
                    "type": "incident",
                    "product": slug,
                    "id": f"i{n}",
                    "severity": 1 + n % 5,
                    "opened_at": f"2026-02-{day:02d}T13:00:00Z",
                    "resolved_at": f"2026-02-{day:02d}T15:00:00Z",
                }
            lines.append(json.dumps(line))
        bodies.append("\n".join(lines))
    # One small request first: the first request imports the URL configuration and every
    # app's API module (seconds), which is start-up cost, not ingestion.
    warm = {"type": "usage", "product": slugs[0], "date": "2026-01-01", "active_users": 1}
    client.post(
        "/api/v1/events/bulk",
        data=json.dumps(warm),
        content_type="application/x-ndjson",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    timings = []
    before = clocks()
    for body in bodies:
        started = time.perf_counter()
        response = client.post(
            "/api/v1/events/bulk",
            data=body,
            content_type="application/x-ndjson",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        timings.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content[:500]
    total = requests * per_request
    stored = Change.objects.count() + Deployment.objects.count() + Incident.objects.count()
    assert stored == total, (stored, total)
    timings.sort()
    print(f"bulk ingestion: {requests} requests x {per_request} events = {total} events")
    print(f"  total {sum(timings):.2f} s -> {total / sum(timings):,.0f} events/s")
    print(f"  per request: median {timings[len(timings) // 2]:.3f} s, worst {timings[-1]:.3f} s")
    print(f"  all requests: {spent(before)}")


def generate(events: int, products: int) -> None:
    from django.db import connection

    from prodops.catalog.models import Person, Product

    lead = Person.objects.get_or_create(email="bench@example.com")[0]
    Product.objects.bulk_create(
        [
            Product(slug=f"p{i:05d}", name=f"Product {i}", build_lead=lead, run_lead=lead)
            for i in range(products)
        ],
        batch_size=2000,
    )
    first = Product.objects.filter(slug="p00000").values_list("id", flat=True).get()
    deployments, incidents = events // 5, events // 10
    changes = events - deployments - incidents
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(
            """
            INSERT INTO events_deployment (source, external_id, origin, product_id, environment,
                deployed_at, sha, version, status, rework, additional_shas)
            SELECT 'bench', 'd' || g, '', %s + (g %% %s), 'production',
                now() - random() * interval '730 days', md5(g::text), '',
                CASE WHEN g %% 9 = 0 THEN 'failure' ELSE 'success' END, g %% 23 = 0, '[]'::jsonb
            FROM generate_series(1, %s) AS g
            """,
            [first, products, deployments],
        )
        cursor.execute(
            """
            INSERT INTO events_change (source, external_id, origin, product_id, sha, authored_at,
                committed_at, push_sha)
            SELECT 'bench', 'c' || g, '', %s + (g %% %s), md5('c' || g), NULL,
                now() - random() * interval '730 days', ''
            FROM generate_series(1, %s) AS g
            """,
            [first, products, changes],
        )
        cursor.execute(
            """
            INSERT INTO events_incident (source, external_id, origin, product_id, title, severity,
                opened_at, resolved_at, root_cause_sha)
            SELECT 'bench', 'i' || g, '', %s + (g %% %s), '', 1 + g %% 5, t,
                t + random() * interval '12 hours', ''
            FROM (SELECT g, now() - random() * interval '730 days' AS t
                  FROM generate_series(1, %s) AS g) AS s
            """,
            [first, products, incidents],
        )
        cursor.execute("ANALYZE events_deployment; ANALYZE events_change; ANALYZE events_incident")
    print(
        f"generated {deployments:,} deployments, {changes:,} changes, {incidents:,} incidents over 730 days "
        f"for {products:,} products in {time.perf_counter() - started:.1f} s"
    )


def bench_dora(runs: int) -> None:
    from django.core.management import call_command

    for fmt in ("json", "text"):
        timings = []
        for _ in range(runs):
            out = io.StringIO()
            before = clocks()
            call_command("dora", all=True, window="90d", format=fmt, stdout=out)
            timings.append((time.perf_counter() - before[0], spent(before)))
        timings.sort()
        middle, worst = timings[len(timings) // 2], timings[-1]
        print(f"prodops dora --all --format {fmt}: median {middle[1]}, worst {worst[0]:.2f} s")
    from django.utils import timezone

    from prodops.catalog.models import Product
    from prodops.metrics.services import dora_for_products

    ids = list(Product.objects.values_list("id", flat=True))
    before = clocks()
    dora_for_products(product_ids=ids, end=timezone.now(), window_days=90, pure=True)
    print(f"the same metrics through the pure Python reference path (no output): {spent(before)}")
    before = clocks()
    call_command("dora", all=True, window="90d", linkage="fourkeys", format="json", stdout=io.StringIO())
    print(f"prodops dora --all --linkage fourkeys: {spent(before)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--per-request", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--dora-only",
        action="store_true",
        help="Only time prodops dora, on the events already in DATABASE_URL (from an earlier run).",
    )
    args = parser.parse_args()
    pgtmp = ""
    if not os.environ.get("DATABASE_URL"):
        url, pgtmp = start_postgres()
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("PRODOPS_DATA_DIR", tempfile.mkdtemp())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prodops.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    try:
        if not args.dora_only:
            call_command("migrate", verbosity=0)
            bench_ingest(args.requests, args.per_request)
            generate(args.events, args.products)
        print(f"load average before timing dora: {os.getloadavg()}")
        bench_dora(args.runs)
    finally:
        if pgtmp:
            subprocess.run([str(ROOT / "scripts/pg-stop"), pgtmp], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
