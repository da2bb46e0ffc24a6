"""Knowledge and risk benchmarks: the facts of a 10,000-product portfolio (documents,
training, sign-offs, support load, risks, known errors), and ranked known-error search.

    .venv/bin/python bench/knowledge/run.py                  # SQLite, 10,000 products
    .venv/bin/python bench/knowledge/run.py --postgres       # a throwaway PostgreSQL
    .venv/bin/python bench/knowledge/run.py --products 2000

Uses a fresh database in a temporary directory (never your data). Rows are bulk-created
(services are for single writes); on SQLite the FTS5 triggers still index every known
error as it is inserted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYMPTOMS = [
    "checkout times out after 30 seconds",
    "export of large reports fails with an error page",
    "users are logged out after a deploy",
    "payment is charged twice after a retry",
    "menu shows the previous version after a release",
    "search returns no results for accented names",
    "nightly batch job stalls on the ledger close",
    "emails to customers are delayed by hours",
]
QUERIES = ["payment charged twice", "timeout at checkout", "stale menu after release", "batch stalls ledger"]


def setup(postgres: bool) -> str | None:
    os.environ["PRODOPS_DATA_DIR"] = tempfile.mkdtemp(prefix="prodops-bench-")
    pgtmp = None
    if postgres and not os.environ.get("DATABASE_URL"):
        out = subprocess.check_output([str(ROOT / "scripts/pg-start")], text=True)
        values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and " " not in line)
        os.environ["DATABASE_URL"], pgtmp = values["PG_URL"], values["PGTMP"]
    elif not postgres:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prodops.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return pgtmp


def seed(n_products: int, rng: random.Random) -> list[int]:
    from prodops.catalog.models import Person, Product, Team
    from prodops.knowledge.models import Document, SupportEstimate, SupportSignoff, TrainingSession
    from prodops.risks.models import KnownError, Risk

    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    people = Person.objects.bulk_create(
        [Person(email=f"p{i}@example.com") for i in range(max(50, n_products // 2))]
    )
    teams = Team.objects.bulk_create(
        [
            Team(slug=f"run-{i}", name=f"Run {i}", kind="run", capacity_hours_per_week=160)
            for i in range(n_products // 20 + 1)
        ]
    )
    through = Team.members.through
    through.objects.bulk_create(
        [
            through(team_id=t.id, person_id=people[(i * 5 + k) % len(people)].id)
            for i, t in enumerate(teams)
            for k in range(5)
        ]
    )
    products = Product.objects.bulk_create(
        [
            Product(
                slug=f"p-{i}",
                name=f"Product {i}",
                build_lead=people[0],
                run_lead=people[1],
                run_team=teams[i // 20],
            )
            for i in range(n_products)
        ]
    )
    kinds = ["runbook", "architecture", "design", "requirements", "support_guide"]
    Document.objects.bulk_create(
        [
            Document(
                product=p,
                kind=k,
                title=f"{k} {p.slug}",
                url=f"https://wiki.example.com/{p.slug}/{k}",
                reviewed=today - timedelta(days=rng.randint(0, 400)),
            )
            for p in products
            for k in kinds
        ],
        batch_size=5000,
    )
    sessions = TrainingSession.objects.bulk_create(
        [
            TrainingSession(product=p, topic="Walkthrough", date=today - timedelta(days=rng.randint(-10, 90)))
            for p in products
            for _ in range(2)
        ],
        batch_size=5000,
    )
    attend = TrainingSession.attendees.through
    attend.objects.bulk_create(
        [
            attend(trainingsession_id=s.id, person_id=people[rng.randrange(len(people))].id)
            for s in sessions
            for _ in range(3)
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    SupportSignoff.objects.bulk_create(
        [
            SupportSignoff(product=p, person=people[(i // 20 * 5 + k) % len(people)], signed_at=now)
            for i, p in enumerate(products)
            for k in range(rng.randint(0, 5))
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    SupportEstimate.objects.bulk_create(
        [SupportEstimate(product=p, hours_per_week=rng.uniform(1, 10)) for p in products], batch_size=5000
    )
    Risk.objects.bulk_create(
        [
            Risk(
                product=p,
                title=f"risk {j}",
                likelihood=(li := rng.randint(1, 5)),
                impact=(im := rng.randint(1, 5)),
                score=li * im,
                status=rng.choice(["open", "mitigating", "accepted", "closed"]),
                next_review=today + timedelta(days=rng.randint(-30, 90)),
            )
            for p in products
            for j in range(4)
        ],
        batch_size=5000,
    )
    KnownError.objects.bulk_create(
        [
            KnownError(
                product=p,
                title=f"KE {j}",
                symptom=rng.choice(SYMPTOMS) + f" on {p.name}",
                workaround=rng.choice(["", "Restart the worker", "Retry later"]),
            )
            for p in products
            for j in range(3)
        ],
        batch_size=5000,
    )
    return [p.id for p in products]


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="Run on a throwaway PostgreSQL.")
    args = parser.parse_args()
    pgtmp = setup(args.postgres)
    try:
        from django.db import connection

        from prodops.knowledge.facts import document_facts, support_facts
        from prodops.risks.facts import risk_facts
        from prodops.risks.services import search_known_errors

        rng = random.Random(7)
        start = time.perf_counter()
        ids = seed(args.products, rng)
        print(
            f"database: {connection.vendor}; "
            f"seeded {len(ids):,} products in {time.perf_counter() - start:.1f} s"
        )
        now = datetime.now(UTC)

        def all_facts(provider):
            return lambda: [provider(ids[i : i + 1000], now) for i in range(0, len(ids), 1000)]

        for name, provider in (
            ("documents", document_facts),
            ("training/support", support_facts),
            ("risks/known errors", risk_facts),
        ):
            median, worst = timed(all_facts(provider), 5)
            print(
                f"facts {name:<20} all {len(ids):,} products (batches of 1,000): "
                f"median {median * 1000:.0f} ms, worst {worst * 1000:.0f} ms"
            )
        for query in QUERIES:
            median, worst = timed(lambda q=query: search_known_errors(text=q, limit=20), 20)
            print(
                f"search {query!r:<28} over {3 * len(ids):,} known errors: "
                f"median {median * 1000:.1f} ms, worst {worst * 1000:.1f} ms"
            )
    finally:
        if pgtmp:
            subprocess.run([str(ROOT / "scripts/pg-stop"), pgtmp], check=False)


if __name__ == "__main__":
    main()
