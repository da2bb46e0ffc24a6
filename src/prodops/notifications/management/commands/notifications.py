"""``prodops notifications log``: the latest deliveries with every attempt."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from prodops.core.errors import InvalidInput
from prodops.notifications import services


class Command(BaseCommand):
    help = "Show notification deliveries and their attempts: notifications log [--channel SLUG] [--json]."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        log = sub.add_parser("log", help="The latest deliveries, newest first.")
        log.add_argument("--channel", default="", help="Only this channel's deliveries.")
        log.add_argument("--limit", type=int, default=50)
        log.add_argument("--json", action="store_true")

    def handle(self, *args: Any, verb: str, channel: str, limit: int, **options: Any) -> None:
        if not 0 < limit <= 10000:
            raise InvalidInput("--limit must be between 1 and 10000", field="limit")
        selected = services.get_channel(channel) if channel else None
        rows = services.delivery_log(limit=limit, channel=selected)
        if options["json"]:
            self.stdout.write(json.dumps([services.delivery_dict(d) for d in rows], indent=2))
            return
        for d in rows:
            target = (
                f"channel:{d.channel.slug}"
                if d.channel
                else f"{d.medium}:{d.person.email if d.person else '?'}"
            )
            tries = "; ".join(
                f"{a.at:%H:%M:%S} {a.status_code or '-'} {a.error[:60]} {a.duration_ms}ms".strip()
                for a in d.attempt_log.all()
            )
            self.stdout.write(
                f"{d.notification.occurred_at:%Y-%m-%d %H:%M:%S}  {d.notification.event:<22} {target:<36} "
                f"{d.status:<9} {tries or '-'}"
            )
