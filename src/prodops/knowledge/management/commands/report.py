from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from prodops.catalog.models import Product
from prodops.knowledge.handover import FORMATS, build_pack, render


class Command(BaseCommand):
    help = (
        "Write the handover pack of a product: owners, readiness, SLOs and on-call, documents, "
        "risks, known errors, training, sign-offs and warranty terms. "
        "prodops report SLUG --format md|html|pdf [-o FILE]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The product's slug.")
        parser.add_argument("--format", choices=FORMATS, default="md", help="md (default), html or pdf.")
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            help="Write to FILE instead of standard output (needed for pdf on a terminal).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        product = Product.objects.filter(slug=options["slug"]).first()
        if product is None:
            raise CommandError(f"No product with slug {options['slug']!r}.", returncode=2)
        fmt = options["format"]
        data = render(build_pack(product=product), fmt)
        target = options.get("output")
        if target:
            path = Path(target)
            if not path.parent.exists():
                raise CommandError(f"-o: the directory {path.parent} does not exist.", returncode=2)
            path.write_bytes(data)
            self.stderr.write(f"Wrote {path} ({len(data)} bytes).")
            return
        if fmt == "pdf" and sys.stdout.isatty():
            raise CommandError("A PDF is binary: give -o FILE or redirect the output.", returncode=2)
        self.stdout.flush()
        stream = getattr(self.stdout, "_out", sys.stdout)
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:  # a text stream (e.g. StringIO in tests)
            stream.write(data.decode("utf-8", errors="replace"))
