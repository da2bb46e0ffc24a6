"""``prodops pilot status|observe|import``: a product's pilot from the command line.

``status`` exits 0 when every criterion passes, 1 otherwise, 2 on bad input.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound
from prodops.pilots import services

STATUS_KEYS = (
    "id",
    "metric",
    "kind",
    "status",
    "estimate",
    "low",
    "high",
    "n",
    "threshold",
    "direction",
    "method",
)
COHORT_KEYS = ("name", "kind", "planned_size", "exposed")


def _product(slug: str) -> Product:
    product = Product.objects.select_related("build_lead", "run_lead").filter(slug=slug).first()
    if product is None:
        raise NotFound(f"no product {slug!r}", field="slug")
    return product


def status_json(status: dict[str, Any]) -> dict[str, Any]:
    """Exactly the documented shape of ``prodops pilot status --format json``."""
    return {
        "product": status["product"],
        "start": status["start"],
        "days_run": status["days_run"],
        "cohorts": [{k: c[k] for k in COHORT_KEYS} for c in status["cohorts"]],
        "criteria": [{k: c[k] for k in STATUS_KEYS} for c in status["criteria"]],
        "decision": status["decision"],
    }


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}"


def status_text(status: dict[str, Any]) -> str:
    lines = [
        (
            f"pilot of {status['product']}: started {status['start']}, {status['days_run']} days run "
            f"(minimum {status['min_days']})"
        ),
    ]
    for c in status["cohorts"]:
        role = " (control)" if c["control"] else ""
        lines.append(
            f"  cohort {c['name']}{role}: {c['kind']}, {c['exposed']} of {c['planned_size']} exposed"
        )
    for c in status["criteria"]:
        op = ">=" if c["direction"] == "at_least" else "<="
        lines.append(
            f"  {c['status'].upper():<12} {c['id']}: {c['metric']} {_num(c['estimate'])} "
            f"[{_num(c['low'])}, {_num(c['high'])}] {op} {_num(c['threshold'])}, n={_num(c['n'])}, "
            f"{c['method']} {round(c['confidence'] * 100, 2):g}%"
        )
    d = status["decision"]
    lines.append(f"  decision: {d['outcome']} ({d['status']})" if d else "  decision: none")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "A product's pilot: status (exit 0 when every criterion passes, 1 otherwise, 2 on bad "
        "input), observe (record one observation) or import (a CSV of observations)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="The judgement of every criterion.")
        status.add_argument("slug")
        status.add_argument("--format", choices=["text", "json"], default="text")
        observe = sub.add_parser("observe", help="Record one observation.")
        observe.add_argument("slug")
        observe.add_argument("--metric", required=True)
        observe.add_argument("--cohort")
        observe.add_argument("--successes", type=int)
        observe.add_argument("--trials", type=int)
        observe.add_argument("--count", type=int)
        observe.add_argument("--exposure", type=float)
        observe.add_argument("--users", type=int, help="People of the cohort exposed so far.")
        observe.add_argument("--at", help="When it was observed (ISO date-time; default now).")
        imp = sub.add_parser("import", help="Import observations from CSV (all or nothing).")
        imp.add_argument("slug")
        imp.add_argument("file", help="CSV file, or - for standard input.")

    def handle(self, *args: Any, **options: Any) -> None:
        product = _product(options["slug"])
        action = options["action"]
        if action == "status":
            status = services.status_of(product)
            if options["format"] == "json":
                self.stdout.write(json.dumps(status_json(status), indent=2))
            else:
                self.stdout.write(status_text(status))
            if not status["criteria"] or any(c["status"] != "pass" for c in status["criteria"]):
                raise SystemExit(1)
            return
        actor = Actor.cli()
        if action == "observe":
            observed_at = None
            if options["at"]:
                try:
                    observed_at = datetime.fromisoformat(options["at"])
                except ValueError:
                    raise InvalidInput("must be an ISO date-time", field="--at") from None
            with transaction.atomic():
                obs = services.record_observation(
                    actor=actor,
                    product=product,
                    metric=options["metric"],
                    cohort=options["cohort"],
                    successes=options["successes"],
                    trials=options["trials"],
                    count=options["count"],
                    exposure=options["exposure"],
                    users=options["users"],
                    observed_at=observed_at,
                    source="cli",
                )
            self.stdout.write(f"recorded {obs.metric} for {obs.cohort or 'the pilot'} of {product.slug}")
            return
        name = options["file"]
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read: {exc}", field="file", location=name) from None
        with transaction.atomic():
            n = services.import_observations(actor=actor, product=product, text=text, filename=name)
        self.stdout.write(f"imported {n} observations for {product.slug}")
