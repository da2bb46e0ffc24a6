from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from prodops.catalog.models import Product
from prodops.readiness import report
from prodops.readiness.services import product_readiness


class Command(BaseCommand):
    help = (
        "May this product enter the gate? Exit 0 when ready, 1 when not, 2 on a usage or input "
        "error. The gate defaults to the stage after the current one; gates are cumulative."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The product's slug.")
        parser.add_argument("--gate", help="The stage to enter (default: the next stage).")
        parser.add_argument(
            "--format",
            choices=["text", "json", "junit"],
            default="text",
            help="text for people (failing criteria with why and fix), json, or junit XML for CI.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        product = (
            Product.objects.select_related("build_lead", "run_lead").filter(slug=options["slug"]).first()
        )
        if product is None:
            raise CommandError(f"no product with slug {options['slug']!r}", returncode=2)
        # A gate the standard lacks is a ReadinessError (InvalidInput): `prodops` maps it, exit 2.
        readiness = product_readiness(product=product, gate=options["gate"])
        if readiness.gate is None:
            raise CommandError(
                f"{product.slug} is in its last stage ({product.stage}); name a gate with --gate",
                returncode=2,
            )
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(report.as_json(readiness), indent=2, default=str))
        elif fmt == "junit":
            self.stdout.write(report.as_junit(readiness))
        else:
            self.stdout.write(report.as_text(readiness))
        self.stdout.flush()
        if not readiness.ready:
            sys.exit(1)
