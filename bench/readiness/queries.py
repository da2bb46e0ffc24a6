"""Where re-evaluating ONE product spends its queries and time.

    python -m bench.readiness.queries --database-url postgres://user@host/db   # an EMPTY database
    python -m bench.readiness.queries                                          # SQLite, temporary

Generates a portfolio (as ``bench.readiness`` does, 1,000 products by default), gives
some products risks, incidents, tickets and pages so that every provider has rows to
read, evaluates it once, then re-evaluates single products the way the worker's task
does (``reevaluate_pending``) and prints:

* the queries of one re-evaluation, grouped by the code that sent them (the fact
  provider, or the readiness function), with their count;
* p50/p95 wall and CPU time of one re-evaluation over ``--samples`` products, each
  after a change to its custom facts (as the API's PATCH makes);
* then the mean CPU and wall time per product of each fact provider and each step of
  the evaluation over the same number of products (``--split``; timers add a little).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.readiness.__main__ import _pct, _portfolio, _setup

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _origin() -> str:
    """The fact provider (the function ``core.facts.compute`` called) or, outside the
    providers, the innermost ProdOps function that sent the query."""
    frames = [
        f
        for f in traceback.extract_stack()
        if f.filename.startswith(SRC) and not f.filename.endswith("core/prepared.py")
    ]
    for i, frame in enumerate(frames):
        if frame.filename.endswith("core/facts.py") and frame.name in {"compute", "compute_for"}:
            later = [f for f in frames[i + 1 :] if not f.filename.endswith("core/facts.py")]
            if later:
                return f"{Path(later[0].filename).parent.name}/{Path(later[0].filename).name}:{later[0].name}"
    inner = frames[-2] if len(frames) > 1 else frames[-1]
    return f"{Path(inner.filename).parent.name}/{Path(inner.filename).name}:{inner.name}"


def _extra_rows(ids: list[int], rng: random.Random) -> None:
    """Risks, known errors, incidents, defects, tickets and pages for a third of the
    products, so the providers that read them have something to count."""
    from django.utils import timezone

    from prodops.events.models import Defect, Incident, Page, Ticket
    from prodops.risks.models import KnownError, Risk

    now = timezone.now()
    some = rng.sample(ids, len(ids) // 3)
    risks = []
    for pid in some:
        for k in range(3):
            likelihood, impact = rng.randint(1, 5), rng.randint(1, 5)
            risks.append(
                Risk(
                    product_id=pid,
                    title=f"risk {pid}-{k}",
                    likelihood=likelihood,
                    impact=impact,
                    score=likelihood * impact,  # bulk_create skips Risk.save, which sets it
                    next_review=(now - timedelta(days=rng.randrange(-60, 60))).date(),
                )
            )
    Risk.objects.bulk_create(risks)
    KnownError.objects.bulk_create(
        [KnownError(product_id=pid, title=f"ke {pid}", symptom="slow", workaround="") for pid in some]
    )
    Incident.objects.bulk_create(
        [
            Incident(
                product_id=pid,
                source="bench",
                external_id=f"inc-{pid}-{k}",
                title="down",
                severity=rng.randint(1, 4),
                opened_at=now - timedelta(hours=rng.randrange(1, 2000)),
            )
            for pid in some
            for k in range(2)
        ]
    )
    Defect.objects.bulk_create(
        [
            Defect(
                product_id=pid,
                source="bench",
                external_id=f"def-{pid}",
                title="bug",
                severity="high",
                found_at=now - timedelta(days=3),
            )
            for pid in some
        ]
    )
    Ticket.objects.bulk_create(
        [
            Ticket(
                product_id=pid,
                source="bench",
                external_id=f"t-{pid}-{k}",
                opened_at=now - timedelta(hours=rng.randrange(1, 1000)),
                handle_minutes=rng.randrange(5, 90),
            )
            for pid in some
            for k in range(4)
        ]
    )
    Page.objects.bulk_create(
        [
            Page(
                product_id=pid,
                source="bench",
                external_id=f"p-{pid}",
                triggered_at=now - timedelta(hours=rng.randrange(1, 600)),
            )
            for pid in some
        ]
    )


def _capture(fn: Callable[[], Any], *, where: bool = True) -> list[tuple[str, str]]:
    """The queries ``fn`` sends; ``where``: with their origin (slow: a stack walk per
    query, so the timed runs leave it out)."""
    from django.db import connection

    seen: list[tuple[str, str]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((_origin() if where else "", sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        fn()
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sql", action="store_true", help="print each query of one re-evaluation")
    parser.add_argument("--split", action="store_true", help="time each provider and evaluation step")
    args = parser.parse_args()
    _setup(args.database_url)

    from django.db import connection

    from prodops.catalog.models import Product
    from prodops.readiness.services import evaluate_products, reevaluate_pending, request_reevaluation

    rng = random.Random(args.seed)
    ids = _portfolio(args.products, rng)
    _extra_rows(ids, rng)
    evaluate_products()

    def change(pid: int) -> None:
        Product.objects.filter(pk=pid).update(facts={"coverage": round(rng.random(), 3)})
        request_reevaluation(product_ids=[pid])

    # Warm up (compiled standard, caches), then attribute one re-evaluation's queries.
    for pid in rng.sample(ids, 5):
        change(pid)
        reevaluate_pending(product_id=pid)
    pid = rng.choice(ids)
    change(pid)
    seen = _capture(lambda: reevaluate_pending(product_id=pid))
    print(f"{connection.vendor}: one product's re-evaluation sent {len(seen)} queries")
    for origin, n in sorted(Counter(o for o, _ in seen).items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {n:3d}  {origin}")
    if args.sql:
        for origin, sql in seen:
            print(f"-- {origin}\n{sql[:300]}")

    wall: list[float] = []
    cpu: list[float] = []
    counts: set[int] = set()
    for pid in rng.sample(ids, min(args.samples, len(ids))):
        change(pid)
        c0, t0 = time.process_time(), time.perf_counter()
        n = len(_capture(lambda p=pid: reevaluate_pending(product_id=p), where=False))  # type: ignore[misc]
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        counts.add(n)
    print(
        f"re-evaluate one product (task body): p50 {statistics.median(wall):.1f} ms, "
        f"p95 {_pct(wall, 0.95):.1f} ms wall; p50 {statistics.median(cpu):.1f} ms, "
        f"p95 {_pct(cpu, 0.95):.1f} ms CPU; queries {min(counts)} to {max(counts)} (n={len(wall)})"
    )
    if args.split:
        _split(ids, rng, args.samples, change)


def _split(ids: list[int], rng: random.Random, samples: int, change: Callable[[int], None]) -> None:
    """Mean CPU and wall time per product of each provider and evaluation step."""
    from prodops.core import facts as registry
    from prodops.readiness import services

    cpu: dict[str, float] = Counter()
    wall: dict[str, float] = Counter()

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            c, w = time.process_time(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                cpu[name] += time.process_time() - c
                wall[name] += time.perf_counter() - w

        return run

    for provider in registry.providers():
        provider.fn = timed(f"provider {provider.fn.__qualname__}", provider.fn)
    for name in (
        "_product_rows",
        "_evidence",
        "severities",
        "_persist",
    ):
        setattr(services, name, timed(name, getattr(services, name)))
    services.rules.evaluate_product = timed("rules.evaluate_product", services.rules.evaluate_product)  # type: ignore[method-assign]
    picked = rng.sample(ids, min(samples, len(ids)))
    for pid in picked:
        change(pid)
        timed("whole re-evaluation", services.reevaluate_pending)(product_id=pid)
    print(f"CPU and wall time per product (mean of {len(picked)}):")
    for name in sorted(cpu, key=lambda k: -cpu[k]):
        each_cpu, each_wall = cpu[name] / len(picked) * 1000, wall[name] / len(picked) * 1000
        print(f"  {name:45s} CPU {each_cpu:6.2f} ms   wall {each_wall:6.2f} ms")


if __name__ == "__main__":
    main()
