"""``prodops notify test CHANNEL``: send a test message to a channel now."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from prodops.core.actors import Actor
from prodops.notifications import services
from prodops.notifications.models import Attempt


class Command(BaseCommand):
    help = "Send a test message to a channel and show how the attempt went: notify test CHANNEL."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        test = sub.add_parser("test", help="Send a test message to CHANNEL (its slug).")
        test.add_argument("channel")

    def handle(self, *args: Any, verb: str, channel: str, **options: Any) -> None:
        with transaction.atomic():
            delivery = services.send_test(actor=Actor.cli(), channel=services.get_channel(channel))
        status = services.deliver(delivery_id=delivery.pk, worker="cli")
        attempt = Attempt.objects.filter(delivery=delivery).order_by("-at").first()
        detail = ""
        if attempt is not None:
            detail = f" (HTTP {attempt.status_code})" if attempt.status_code else ""
            if attempt.error:
                detail += f": {attempt.error}"
        self.stdout.write(f"{channel}: {status}{detail}")
        if status != "delivered":
            raise SystemExit(1)
