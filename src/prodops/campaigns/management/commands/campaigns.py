from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from prodops.campaigns import report as reports
from prodops.campaigns import services
from prodops.campaigns.models import Campaign
from prodops.core.errors import InvalidInput
from prodops.core.validation import parse_date
from prodops.playbooks.management.commands.playbooks import cli_actor


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


class Command(BaseCommand):
    help = "Best-practice campaigns: list, launch, show, report. Exit 2 on bad input, 1 when refused."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        p = sub.add_parser("list")
        p.add_argument("--format", choices=["text", "json"], default="text")
        p = sub.add_parser("launch", help="Launch a campaign for a selection of products.")
        p.add_argument("slug")
        p.add_argument("--name", required=True)
        p.add_argument("--standard", default="default")
        p.add_argument("--criteria", help="Criterion ids, comma-separated (default: all of the standard).")
        p.add_argument(
            "--enforce-from",
            action="append",
            default=[],
            metavar="ID=DATE",
            help="Advisory before DATE, blocking from DATE on (repeatable).",
        )
        p.add_argument("--tiers", help="e.g. 1,2")
        p.add_argument("--teams")
        p.add_argument("--tags")
        p.add_argument("--stages")
        p.add_argument("--start", help="YYYY-MM-DD (default: today)")
        p.add_argument("--target", required=True, help="YYYY-MM-DD")
        p.add_argument("--format", choices=["text", "json"], default="text")
        p.add_argument("--as", dest="as_email", metavar="EMAIL")
        p = sub.add_parser("show")
        p.add_argument("slug")
        p.add_argument("--format", choices=["text", "json"], default="text")
        p = sub.add_parser("report", help="The campaign report as Markdown or HTML.")
        p.add_argument("slug")
        p.add_argument("--format", choices=["md", "html"], default="md")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['verb']}")(options)

    def _print(self, data: dict[str, Any], fmt: str) -> None:
        if fmt == "json":
            self.stdout.write(json.dumps(data, indent=2))
            return
        self.stdout.write(
            f"{data['slug']}: {data['name']} — {data['done']}/{data['total']} products done, "
            f"target {data['target']}"
        )
        for p in data["products"]:
            mark = "done" if not p["failing"] else "failing " + ", ".join(p["failing"])
            block = f" (blocking now: {', '.join(p['blocking'])})" if p["blocking"] else ""
            self.stdout.write(f"  {p['product']:<28} {mark}{block}")

    def _list(self, options: dict[str, Any]) -> None:
        rows = [services.campaign_dict(c) for c in Campaign.objects.all()]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for data in rows:
            self.stdout.write(
                f"{data['slug']:<24} {data['status']:<7} target {data['target']}  "
                f"{data['done']}/{data['total']} done  {data['name']}"
            )
        if not rows:
            self.stdout.write("No campaigns.")

    def _launch(self, options: dict[str, Any]) -> None:

        criteria: list[Any] | None = _csv(options["criteria"])
        enforce: dict[str, str] = {}
        for item in options["enforce_from"]:
            cid, sep, day = item.partition("=")
            if not sep:
                raise InvalidInput(f"{item[:60]!r}: write ID=YYYY-MM-DD", field="enforce-from")
            enforce[cid.strip()] = parse_date(day.strip(), "enforce-from").isoformat()
        if enforce:
            ids = criteria if criteria is not None else list(enforce)
            criteria = [{"id": c, "enforce_from": enforce.get(c)} for c in ids]
        selection: dict[str, Any] = {}
        if options["tiers"]:
            try:
                selection["tiers"] = [int(t) for t in _csv(options["tiers"]) or []]
            except ValueError:
                raise InvalidInput("tiers are numbers 1 to 4", field="tiers") from None
        for key in ("teams", "tags", "stages"):
            if options[key]:
                selection[key] = _csv(options[key])
        with transaction.atomic():
            campaign = services.launch_campaign(
                actor=cli_actor(options["as_email"], None),
                slug=options["slug"],
                name=options["name"],
                standard=options["standard"],
                criteria=criteria,
                selection=selection,
                start=parse_date(options["start"], "start") if options["start"] else timezone.localdate(),
                target=parse_date(options["target"], "target"),
            )
            data = services.campaign_dict(campaign)
        self._print(data, options["format"])

    def _show(self, options: dict[str, Any]) -> None:
        self._print(services.campaign_dict(services.get_campaign(options["slug"])), options["format"])

    def _report(self, options: dict[str, Any]) -> None:
        self.stdout.write(reports.report(services.get_campaign(options["slug"]), fmt=options["format"]))
