"""Outcomes benchmark on PostgreSQL: `prodops outcomes SLUG` over 10 million user-days
of one product (a year of usage).

    .venv/bin/python bench/outcomes/run.py                  # 10 M rows
    .venv/bin/python bench/outcomes/run.py --rows 1000000
    DATABASE_URL=... .venv/bin/python bench/outcomes/run.py --timing-only

Starts a throwaway PostgreSQL (scripts/pg-start) unless DATABASE_URL is set. The rows are
generated inside PostgreSQL: about 300,000 users joining evenly over the year, each
active on up to 40 days spread over the ~4 months after joining (days after the as-of
day are not generated, so the count is about, not exactly, --rows), plus 5,000 tickets,
half of them rated. Indexes are built after the load, as a restore would.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.events.run import backend_cpu, start_postgres  # noqa: E402

AS_OF = date(2026, 6, 30)
SLUG = "bench-outcomes"


def clocks() -> tuple[float, float, float]:
    return time.perf_counter(), time.process_time(), backend_cpu()


def spent(before: tuple[float, float, float]) -> str:
    wall, cpu, db = (now - then for now, then in zip(clocks(), before, strict=True))
    return f"{wall:.2f} s (CPU: Python {cpu:.2f} s, PostgreSQL backend {db:.2f} s)"


def generate(rows: int) -> None:
    from django.db import connection

    from prodops.catalog.models import Person, Product
    from prodops.events.userkeys import day_number

    lead = Person.objects.get_or_create(email="bench@example.com")[0]
    product, _ = Product.objects.get_or_create(
        slug=SLUG, defaults={"name": "Bench outcomes", "build_lead": lead, "run_lead": lead}
    )
    # Users who join in the last ~4 months lose their days after the as-of day (~16 %).
    users = max(1, round(rows / 40 / 0.84))
    last = day_number(AS_OF)
    first = last - 364
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM events_activeuserday WHERE product_id = %s", [product.pk])
        cursor.execute("ALTER TABLE events_activeuserday DROP CONSTRAINT IF EXISTS active_user_day_unique")
        cursor.execute("DROP INDEX IF EXISTS active_user_day_by_user")
        cursor.execute(
            """
            INSERT INTO events_activeuserday (product_id, day, user_key)
            SELECT %s, d, key FROM (
              SELECT %s + (u::bigint * 365 / %s) + k + (k * k) / 20 AS d,
                     ('x' || substr(md5(u::text), 1, 16))::bit(64)::bigint AS key
              FROM generate_series(0, %s - 1) AS u, generate_series(0, 39) AS k
            ) AS g WHERE d <= %s
            """,
            [product.pk, first, users, users, last],
        )
        cursor.execute(
            "ALTER TABLE events_activeuserday ADD CONSTRAINT active_user_day_unique "
            "UNIQUE (product_id, day, user_key)"
        )
        cursor.execute(
            "CREATE INDEX active_user_day_by_user ON events_activeuserday (product_id, user_key, day)"
        )
        cursor.execute("DELETE FROM events_activeuser WHERE product_id = %s", [product.pk])
        cursor.execute(
            "INSERT INTO events_activeuser (product_id, user_key, first_day) "
            "SELECT product_id, user_key, MIN(day) FROM events_activeuserday WHERE product_id = %s "
            "GROUP BY product_id, user_key",
            [product.pk],
        )
        cursor.execute("DELETE FROM events_ticket WHERE product_id = %s", [product.pk])
        cursor.execute(
            """
            INSERT INTO events_ticket (source, external_id, origin, product_id, opened_at, rating, rated_at)
            SELECT 'prodops', 'bench-' || g, '', %s,
                   %s::date - (g %% 365) * interval '1 day',
                   CASE WHEN g %% 2 = 0 THEN '' WHEN g %% 7 = 0 THEN 'bad' ELSE 'good' END,
                   CASE WHEN g %% 2 = 0 THEN NULL ELSE %s::date - (g %% 365) * interval '1 day' END
            FROM generate_series(1, 5000) AS g
            """,
            [product.pk, AS_OF, AS_OF],
        )
        cursor.execute("ANALYZE events_activeuserday")
        cursor.execute("ANALYZE events_ticket")
        cursor.execute("ANALYZE events_activeuser")
        cursor.execute("SELECT count(*) FROM events_activeuserday WHERE product_id = %s", [product.pk])
        count = cursor.fetchone()[0]
    print(f"generated {count:,} user-days for one product in {time.perf_counter() - started:.1f} s")


def bench(runs: int) -> None:
    import io

    from django.core.management import call_command

    from prodops.catalog.models import Product
    from prodops.outcomes import services

    product = Product.objects.get(slug=SLUG)
    for run in range(runs):
        before = clocks()
        data = services.outcomes(product, AS_OF)
        print(f"run {run + 1}: outcomes (service): {spent(before)}")
    print(
        f"  dau {data['dau']:,} wau {data['wau']:,} mau {data['mau']:,} stickiness {data['stickiness']} "
        f"retention {data['retention']} tickets/100 WAU {data['tickets_per_100_wau']} csat {data['csat']}"
    )
    before = clocks()
    call_command("outcomes", SLUG, "--as-of", AS_OF.isoformat(), "--format", "json", stdout=io.StringIO())
    print(f"prodops outcomes {SLUG} --format json: {spent(before)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timing-only", action="store_true", help="Time only, on rows already loaded.")
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
        if not args.timing_only:
            call_command("migrate", verbosity=0)
            generate(args.rows)
        print(f"load average before timing: {os.getloadavg()}")
        bench(args.runs)
    finally:
        if pgtmp:
            subprocess.run([str(ROOT / "scripts/pg-stop"), pgtmp], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
