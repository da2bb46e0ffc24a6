from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from prodops.catalog.models import Product
from prodops.risks import services


class Command(BaseCommand):
    help = (
        'Search the known-error database: prodops known-errors search "TEXT" [--product SLUG]. '
        "Prints the best-matching known errors first, with their workaround."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        find = sub.add_parser("search", help="Rank known errors by relevance to a symptom.")
        find.add_argument("text", help="The symptom, in your own words.")
        find.add_argument("--product", metavar="SLUG", help="Only this product's known errors.")
        find.add_argument("--limit", type=int, default=10, help="At most this many results (default 10).")

    def handle(self, *args: Any, **options: Any) -> None:
        text = (options["text"] or "").strip()
        if not text:
            raise CommandError('Give the symptom to search for, e.g. "payment times out".', returncode=2)
        product = None
        if options.get("product"):
            product = Product.objects.filter(slug=options["product"]).first()
            if product is None:
                raise CommandError(f"--product: no product with slug {options['product']!r}.", returncode=2)
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1.", returncode=2)
        hits = services.search_known_errors(text=text, product=product, limit=options["limit"])
        if not hits:
            self.stdout.write("No known error matches.")
            return
        for ke, relevance in hits:
            self.stdout.write(
                f"{ke.ref}  {ke.product.slug}  {ke.title}  [{ke.status}]  relevance {relevance:.3f}"
            )
            self.stdout.write(f"    symptom:    {ke.symptom}")
            self.stdout.write(f"    workaround: {ke.workaround or '(none recorded)'}")
