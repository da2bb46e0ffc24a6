from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from prodops.catalog.models import Product
from prodops.readiness.services import evaluate_products


class Command(BaseCommand):
    help = (
        "Re-evaluate readiness and store the results (a status change is a history row). "
        "Give product slugs, or --all. Run it on a schedule so that expiring waivers and "
        "attestations show in stored results."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="Products to evaluate.")
        parser.add_argument("--all", action="store_true", help="Evaluate every product.")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs: list[str] = options["slugs"]
        if bool(slugs) == bool(options["all"]):
            raise CommandError("give product slugs or --all (not both)", returncode=2)
        ids: list[int] | None = None
        if slugs:
            found = dict(Product.objects.filter(slug__in=slugs).values_list("slug", "pk"))
            missing = [s for s in slugs if s not in found]
            if missing:
                raise CommandError(f"no product with slug {', '.join(missing)}", returncode=2)
            ids = list(found.values())
        started = time.perf_counter()
        with transaction.atomic():
            results = evaluate_products(product_ids=ids)
        elapsed = time.perf_counter() - started
        ready = sum(1 for r in results.values() if r.ready)
        if slugs:
            for r in results.values():
                state = "ready" if r.ready else f"not ready ({len(r.blockers)} blocking)"
                self.stdout.write(f"{r.product}: {state} to enter {r.gate or '-'}")
        self.stdout.write(
            f"Evaluated {len(results)} product(s) in {elapsed:.2f} s; {ready} ready for their next stage."
        )
