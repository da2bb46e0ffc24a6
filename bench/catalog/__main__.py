"""Config-as-code benchmark: apply and export a generated catalog.

    python -m bench.catalog                     # 2,000 products, SQLite in a temporary directory
    python -m bench.catalog --products 500
    python -m bench.catalog --database-url postgres://user@host/db   # an EMPTY database

Prints the time to parse and validate the YAML, to apply it into an empty database
(everything created), to apply it again (everything unchanged: the idempotence check),
to apply it with 10% of the products changed, and to export it; and checks that the
export round-trips.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
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


def _catalog(products: int, people: int = 200, teams: int = 40, changed: int = 0) -> str:
    docs: list[str] = []
    for i in range(people):
        docs.append(
            f"apiVersion: prodops/v1\nkind: Person\nmetadata: {{email: p{i}@example.com, name: P {i}}}\n"
        )
    for i in range(teams):
        members = ", ".join(f"p{(i * 5 + k) % people}@example.com" for k in range(5))
        kind = "run" if i % 2 else "build"
        docs.append(
            f"apiVersion: prodops/v1\nkind: Team\nmetadata: {{slug: team-{i}, name: Team {i}}}\n"
            f"spec: {{kind: {kind}, capacity_hours_per_week: 160, members: [{members}]}}\n"
        )
    stages = ["plan", "build", "pilot", "warranty", "operate", "retire"]
    for i in range(products):
        tier = 1 + (i + (1 if i < changed else 0)) % 4
        docs.append(
            f"""apiVersion: prodops/v1
kind: Product
metadata: {{slug: product-{i}, name: Product {i}}}
spec:
  tier: {tier}
  stage: {stages[i % 6]}
  tags: [bench, t{i % 7}]
  links: {{repo: "https://github.com/acme/product-{i}"}}
  owners: {{build_lead: p{i % people}@example.com, run_lead: p{(i + 1) % people}@example.com}}
  teams: {{build: team-{(2 * i) % teams}, run: team-{(2 * i + 1) % teams}}}
  stakeholders:
    - {{function: design, person: p{(i + 2) % people}@example.com}}
  slos:
    - {{name: availability, objective: 99.9, window: 30d}}
  warranty: {{threshold: {{defects: 1, per: 14d}}, min_days: 30, max_days: 120}}
"""
        )
    return "---\n".join(docs)


def _timed(label: str, fn: Any) -> Any:
    start = time.perf_counter()
    value = fn()
    print(f"  {label:<40} {time.perf_counter() - start:8.2f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    _setup(args.database_url)
    from django.db import connection, transaction

    from prodops.core.actors import Actor
    from prodops.manifests import services

    actor = Actor.cli("bench")
    text = _catalog(args.products)

    def apply(label: str, source: str) -> list[services.Result]:
        began = time.perf_counter()
        docs = services.validate(services.parse_sources([("bench.yaml", source)]))
        with transaction.atomic():
            results = services.apply(docs, actor=actor, dry_run=False)
            committing = time.perf_counter()
        done = time.perf_counter()
        # At commit, listeners of facts_changed (the readiness app) re-evaluate the
        # changed products; shown apart from the apply itself.
        print(f"  {label:<40} {committing - began:8.2f} s  (+ {done - committing:.2f} s at commit)")
        return results

    n = args.products
    print(f"catalog: {n} products, 200 people, 40 teams; database: {connection.vendor}")
    _timed("parse + validate", lambda: services.validate(services.parse_sources([("bench.yaml", text)])))
    results = apply("apply into an empty database", text)
    assert all(r.outcome == "created" for r in results)
    results = apply("apply again (all unchanged)", text)
    assert all(r.outcome == "unchanged" for r in results)
    results = apply(f"apply with {n // 10} products changed", _catalog(n, changed=n // 10))
    assert sum(r.outcome == "updated" for r in results) == n // 10
    first = _timed("export (YAML)", lambda: services.dump_yaml(services.export_documents()))
    results = apply("apply the export (all unchanged)", first)
    assert all(r.outcome == "unchanged" for r in results)
    print(f"  export size: {len(first) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
