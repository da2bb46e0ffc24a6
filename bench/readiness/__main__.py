"""Readiness benchmark: a generated portfolio evaluated against the default standard.

    python -m bench.readiness                       # SQLite in a temporary directory
    python -m bench.readiness --database-url postgres://user@host/db   # an EMPTY database
    python -m bench.readiness --products 2000       # a smaller portfolio

Prints: the first full evaluation (results stored), a full re-evaluation after 10% of
the products changed, the p50/p95 time to re-evaluate one product after a change (facts,
rules, storage: what the ``facts_changed`` listener does), and the cost of one criterion
evaluation in CEL against a plain-Python baseline of the same rules on the same facts.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any


def _setup(database_url: str | None) -> None:
    os.environ["PRODOPS_DATA_DIR"] = tempfile.mkdtemp(prefix="prodops-bench-")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prodops.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _portfolio(n: int, rng: random.Random) -> list[int]:
    from prodops.catalog.models import SLO, Person, Product, Team
    from prodops.knowledge.models import Document

    people = Person.objects.bulk_create(
        [Person(email=f"p{i}@example.com", name=f"P {i}") for i in range(400)]
    )
    teams = Team.objects.bulk_create(
        [
            Team(
                slug=f"team-{i}",
                name=f"Team {i}",
                kind="run" if i % 2 else "build",
                capacity_hours_per_week=160,
            )
            for i in range(80)
        ]
    )
    through = Team.members.through
    through.objects.bulk_create(
        [
            through(team_id=t.pk, person_id=people[(j * 7 + k) % 400].pk)
            for j, t in enumerate(teams)
            for k in range(5)
        ]
    )
    stages = ["plan", "build", "pilot", "warranty", "operate"]
    products = []
    for i in range(n):
        products.append(
            Product(
                slug=f"product-{i}",
                name=f"Product {i}",
                tier=rng.randint(1, 4),
                stage=rng.choice(stages),
                build_lead=people[rng.randrange(200)],
                run_lead=people[200 + rng.randrange(200)],
                build_team=teams[2 * rng.randrange(40)] if rng.random() < 0.9 else None,
                run_team=teams[2 * rng.randrange(40) + 1] if rng.random() < 0.85 else None,
                links={
                    "repo": "https://git.example.com/x",
                    **({"dashboard": "https://d"} if rng.random() < 0.6 else {}),
                },
                oncall={"rotation": "primary"} if rng.random() < 0.7 else {},
                facts={"coverage": round(rng.random(), 2)},
            )
        )
    Product.objects.bulk_create(products, batch_size=2000)
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    SLO.objects.bulk_create(
        [SLO(product_id=pid, name="availability", objective=99.9) for pid in ids if rng.random() < 0.7],
        batch_size=5000,
    )
    kinds = ["runbook", "architecture", "support_guide", "user_guide", "design"]
    today = date.today()
    Document.objects.bulk_create(
        [
            Document(
                product_id=pid,
                kind=kind,
                title=f"{kind} {pid}",
                url="https://wiki.example.com/d",
                reviewed=today - timedelta(days=rng.randrange(400)),
            )
            for pid in ids
            for kind in kinds
            if rng.random() < 0.6
        ],
        batch_size=5000,
    )
    return ids


def _python_rule(rule: str) -> Any:
    """The CEL rule as a Python expression over the flat facts dict: the baseline."""
    expr = rule.replace("&&", " and ").replace("||", " or ")
    expr = re.sub(r"!(?!=)", " not ", expr)
    expr = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", expr))
    expr = re.sub(r"has\(([\w.]+)\)", lambda m: f"({m.group(1)!r} in f)", expr)
    expr = re.sub(
        r"(?<!['\w.])([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+)", lambda m: f"f[{m.group(1)!r}]", expr
    )
    return eval(f"lambda f: {expr}")


class _Timer:
    """Wall time and this process's CPU time: on a shared machine the CPU time shows the
    work done, the wall time adds waiting for the CPU (and, on PostgreSQL, the server)."""

    def __enter__(self) -> _Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:6.2f} s wall, {self.cpu:6.2f} s CPU"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--samples", type=int, default=200, help="single-product re-evaluations to time")
    args = parser.parse_args()
    _setup(args.database_url)

    from django.db import connection, transaction
    from django.utils import timezone

    from prodops.catalog.models import Product
    from prodops.core import facts as registry
    from prodops.readiness import rules
    from prodops.readiness.services import evaluate_products, get_standard

    rng = random.Random(7)
    t0 = time.perf_counter()
    with transaction.atomic():
        ids = _portfolio(args.products, rng)
    print(
        f"database: {connection.vendor}; portfolio of {len(ids)} products generated in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    standard = get_standard("default")
    print(
        f"standard: default, {len(standard.criteria)} criteria "
        f"({sum(1 for c in standard.criteria if c.program is not None)} CEL rules)"
    )

    with _Timer() as timer, transaction.atomic():
        evaluate_products()
    print(f"first full evaluation (results stored):     {timer}")

    changed = rng.sample(ids, len(ids) // 10)
    with transaction.atomic():
        for pid in changed:
            Product.objects.filter(pk=pid).update(facts={"coverage": round(rng.random(), 2)}, run_team=None)
    with _Timer() as timer, transaction.atomic():
        evaluate_products()
    print(f"full re-evaluation after 10% changed:       {timer}")
    with _Timer() as timer, transaction.atomic():
        evaluate_products()
    print(f"full re-evaluation, nothing changed:        {timer}")

    times: list[float] = []
    cpu_times: list[float] = []
    for pid in rng.sample(ids, min(args.samples, len(ids))):
        Product.objects.filter(pk=pid).update(oncall={} if rng.random() < 0.5 else {"rotation": "x"})
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        with transaction.atomic():
            evaluate_products(product_ids=[pid])
        times.append((time.perf_counter() - t0) * 1000)
        cpu_times.append((time.process_time() - cpu0) * 1000)
    print(
        f"one product after a change: p50 {statistics.median(times):.1f} ms, p95 {_pct(times, 0.95):.1f} ms "
        f"wall; p50 {statistics.median(cpu_times):.1f} ms, p95 {_pct(cpu_times, 0.95):.1f} ms CPU "
        f"(n={len(times)})"
    )

    # Cost per criterion: the same rules on the same facts, CEL against plain Python.
    now = timezone.now()
    sample = ids[:1000]
    facts = registry.compute(sample, now)
    compiled = [c for c in standard.criteria if c.program is not None]
    baseline = [_python_rule(c.criterion.rule or "") for c in compiled]
    contexts = [rules.build_context(facts[pid], standard.roots, now) for pid in sample]
    import cel

    t0 = time.perf_counter()
    cel_contexts = [cel.Context(c) for c in contexts]
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for ctx in cel_contexts:
        for c in compiled:
            try:
                c.program.execute(ctx)
            except Exception:
                continue
    cel_each = (time.perf_counter() - t0) / (len(sample) * len(compiled))
    t0 = time.perf_counter()
    for pid in sample:
        f = facts[pid]
        for fn in baseline:
            try:
                fn(f)
            except (KeyError, TypeError):
                continue
    py_each = (time.perf_counter() - t0) / (len(sample) * len(compiled))
    t0 = time.perf_counter()
    for pid in sample:
        rules.evaluate_product(standard, facts=facts[pid], tier=1, now=now)
    whole = (time.perf_counter() - t0) / len(sample)
    print(
        f"per criterion: CEL {cel_each * 1e6:.2f} µs, plain Python {py_each * 1e6:.2f} µs "
        f"(+ CEL context {build / len(sample) * 1e6:.0f} µs per product); "
        f"whole standard for one product (pure engine) {whole * 1e6:.0f} µs"
    )


if __name__ == "__main__":
    main()
