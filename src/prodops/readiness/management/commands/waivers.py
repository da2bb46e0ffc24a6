from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from prodops.readiness.models import Waiver
from prodops.readiness.rules import parse_duration
from prodops.readiness.services import expiring_waivers


class Command(BaseCommand):
    help = (
        "List waivers in force (signed by both leads, not revoked, not expired) and those awaiting "
        "a signature; --expiring 14d lists only those in force that end within 14 days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--expiring", metavar="DURATION", help="Only those expiring within, e.g. 14d.")
        parser.add_argument("--product", metavar="SLUG", help="Only this product's waivers.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        pending: list[Waiver] = []
        if options["expiring"]:
            try:
                within = parse_duration(options["expiring"])
            except ValueError as exc:
                raise CommandError(f"--expiring: {exc}", returncode=2) from None
            waivers = expiring_waivers(within=within, now=now)
        else:
            waivers = expiring_waivers(within=timedelta(days=100 * 365), now=now)
            unsigned = Q(build_lead_signed_at__isnull=True) | Q(run_lead_signed_at__isnull=True)
            pending = list(
                Waiver.objects.filter(unsigned, revoked_at__isnull=True, expires_at__gt=now).select_related(
                    "product"
                )
            )
        if options["product"]:
            waivers = [w for w in waivers if w.product.slug == options["product"]]
            pending = [w for w in pending if w.product.slug == options["product"]]
        if not waivers and not pending:
            self.stdout.write("No waivers.")
        for w in waivers:
            days = (w.expires_at - now).days
            self.stdout.write(
                f"{w.expires_at:%Y-%m-%d} ({days:>2} d)  {w.product.slug:<24} {w.criterion:<28} "
                f"#{w.pk} {w.reason}"
            )
        for w in pending:
            self.stdout.write(f"unsigned         {w.product.slug:<24} {w.criterion:<28} #{w.pk} {w.reason}")
