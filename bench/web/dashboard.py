"""Web pages over a 10,000-product portfolio: the dashboard (board, list, filters, a deep
page) and a product page, through the whole Django request path (test client, no socket).

    .venv/bin/python bench/web/dashboard.py [--products 10000] [--runs 20]

Uses a temporary SQLite database, or the database DATABASE_URL names. Readiness is
evaluated once for every product first (the dashboard reads the stored evaluations).
Prints the median and 95th percentile time and the number of SQL queries per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build(n: int) -> None:
    from prodops.catalog.models import DEFAULT_STAGES, Person, Product, Team

    leads = Person.objects.bulk_create(
        [Person(email=f"lead{i}@example.com", name=f"Lead {i}") for i in range(200)]
    )
    teams = Team.objects.bulk_create(
        [Team(slug=f"team-{i}", name=f"Team {i}", kind="build" if i % 2 else "run") for i in range(50)]
    )
    tags = ["payments", "core", "mobile", "data", "internal"]
    Product.objects.bulk_create(
        [
            Product(
                slug=f"product-{i:05d}",
                name=f"Product {i:05d}",
                tier=1 + i % 4,
                stage=DEFAULT_STAGES[i % len(DEFAULT_STAGES)],
                tags=[tags[i % 5], tags[(i // 5) % 5]],
                build_lead=leads[i % 200],
                run_lead=leads[(i + 7) % 200],
                build_team=teams[i % 50],
                run_team=teams[(i + 1) % 50],
            )
            for i in range(n)
        ],
        batch_size=2000,
    )


def measure(client: object, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection

    sql: list[str] = []

    def count(execute, query, params, many, context):  # type: ignore[no-untyped-def]
        sql.append(query)
        return execute(query, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], len(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="prodops-bench-web-")
    os.environ["PRODOPS_DATA_DIR"] = data_dir
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data_dir}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "prodops.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", interactive=False, verbosity=0)
    start = time.perf_counter()
    build(args.products)
    from prodops.readiness.services import evaluate_products

    evaluate_products()
    print(
        f"{args.products} products built and evaluated in {time.perf_counter() - start:.1f} s "
        f"({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
    )
    user = get_user_model().objects.create_user("bench", "bench@example.com", "x")
    client = Client()
    client.force_login(user)
    pages = {
        "dashboard, board": "/",
        "dashboard, list page 1": "/?view=list",
        "dashboard, list page 150": "/?view=list&page=150",
        "dashboard, team filter": "/?team=team-7",
        "dashboard, tag + tier": "/?tag=mobile&tier=2&view=list",
        "dashboard, search": "/?q=0042&view=list",
        "product page": "/products/product-04242/",
    }
    print(f"{'page':28} {'median':>9} {'p95':>9} {'queries':>8}")
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        client.get(pages[os.environ["BENCH_PROFILE"]])
        from django.db import connection

        def timed(execute, query, params, many, context):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return execute(query, params, many, context)
            finally:
                print(f"{(time.perf_counter() - t) * 1000:7.1f} ms  {query[:200]}")

        with connection.execute_wrapper(timed):
            client.get(pages[os.environ["BENCH_PROFILE"]])
        cProfile.runctx("client.get(pages[os.environ['BENCH_PROFILE']])", globals(), locals(), sort="tottime")
        return 0
    for label, url in pages.items():
        median, p95, queries = measure(client, url, args.runs)
        print(f"{label:28} {median:7.1f}ms {p95:7.1f}ms {queries:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
