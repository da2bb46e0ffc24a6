"""Worker benchmark: from an accepted API change to its stored readiness result.

    python -m bench.worker --database-url postgres://user@host/db   # an EMPTY database
    python -m bench.worker                                          # SQLite, temporary

Generates a portfolio (as ``bench.readiness`` does), evaluates it once, starts ONE
``prodops worker`` process (default settings: it polls an empty queue every 0.5 s),
then makes ``--changes`` API changes (PATCH a custom fact through the full Django stack
with a bearer token) one after another. For each it measures the time from the 200
response (the change is committed and its re-evaluation queued) until the product's
stored result is rewritten by the worker. Also prints the p50/p95 of re-evaluating one
product in-process (what the worker's task does) and its number of queries.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.readiness.__main__ import _pct, _portfolio, _setup

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    _setup(args.database_url)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from prodops.accounts.services import create_token
    from prodops.catalog.models import Product
    from prodops.core.actors import Actor
    from prodops.readiness.models import PendingEvaluation, ProductEvaluation
    from prodops.readiness.services import evaluate_products, reevaluate_pending, request_reevaluation

    rng = random.Random(args.seed)
    t = time.perf_counter()
    ids = _portfolio(args.products, rng)
    evaluate_products()
    print(
        f"{connection.vendor}: {len(ids)} products generated and evaluated in {time.perf_counter() - t:.1f} s"
    )

    # Re-evaluating one product, in-process: what the worker's task does. The first
    # re-evaluation in a process compiles the standard's rules and builds each prepared
    # query (core.prepared); it is timed apart, as are four more warm-up runs.
    warm: list[float] = []
    for pid in rng.sample(ids, 5):
        request_reevaluation(product_ids=[pid])
        t = time.perf_counter()
        reevaluate_pending(product_id=pid)
        warm.append((time.perf_counter() - t) * 1000)
    print(
        f"re-evaluate one product, first in the process: {warm[0]:.1f} ms; "
        f"next four: {', '.join(f'{w:.1f}' for w in warm[1:])} ms"
    )
    single: list[float] = []
    queries = 0
    for pid in rng.sample(ids, min(200, len(ids))):
        request_reevaluation(product_ids=[pid])
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            reevaluate_pending(product_id=pid)
            single.append((time.perf_counter() - t) * 1000)
        queries = len(ctx.captured_queries)
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()  # the tasks queued above were run by hand
    print(
        f"re-evaluate one product (task body, in-process, {len(single)} products after the warm-up): "
        f"p50 {_pct(single, 0.5):.1f} ms, p95 {_pct(single, 0.95):.1f} ms, {queries} queries"
    )

    user = get_user_model().objects.create_user("bench", "bench@example.com", "x", is_superuser=True)
    _, token = create_token(actor=Actor.cli(), user=user, name="bench")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PRODOPS_EMAIL_URL": "console://"}
    # The first round of periodic jobs (nightly evaluation, the first digests, warnings
    # for every stale document of a fresh portfolio) is a one-off: run it untimed.
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "prodops", "worker", "--once"], env=env, stdout=subprocess.DEVNULL, check=True
    )
    print(f"first worker round (every periodic job, then the queue): {time.perf_counter() - t:.1f} s")
    worker = subprocess.Popen(
        [sys.executable, "-m", "prodops", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(3)  # the worker's start-up and its first round of periodic jobs
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    slugs = dict(Product.objects.filter(pk__in=ids).values_list("pk", "slug"))
    latencies: list[float] = []
    try:
        for i, pid in enumerate(rng.sample(ids, min(args.changes, len(ids)))):
            before = timezone.now()
            response = client.patch(
                f"/api/v1/products/{slugs[pid]}/facts",
                json.dumps({"coverage": round(rng.random(), 3)}),
                content_type="application/json",
            )
            accepted = time.perf_counter()
            assert response.status_code == 200, response.content
            while True:
                done = (
                    not PendingEvaluation.objects.filter(product_id=pid).exists()
                    and ProductEvaluation.objects.filter(product_id=pid, evaluated_at__gte=before).exists()
                )
                if done:
                    break
                if time.perf_counter() - accepted > 60:
                    raise SystemExit(f"change {i}: not re-evaluated after 60 s")
                time.sleep(0.005)
            latencies.append((time.perf_counter() - accepted) * 1000)
            time.sleep(rng.uniform(0, 0.3))  # changes arrive at random moments of the worker's poll
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    print(
        f"accepted API change → stored result, one worker ({len(latencies)} changes): "
        f"p50 {_pct(latencies, 0.5):.0f} ms, p95 {_pct(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms"
    )
    print(f"worker exit code after SIGTERM: {worker.returncode}")


if __name__ == "__main__":
    main()
