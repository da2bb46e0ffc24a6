"""``prodops outcomes SLUG``: active users, retention, support load and CSAT."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from prodops.catalog.models import Product
from prodops.core.errors import NotFound
from prodops.core.validation import parse_date
from prodops.outcomes import services


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} %"


def render_text(data: dict[str, Any]) -> str:
    reasons = data["reasons"]

    def why(key: str) -> str:
        return f"  ({reasons[key]})" if key in reasons else ""

    title = f"{data['product']}: customer outcomes as of {data['as_of']}"
    lines = [f"{title} (UTC days; source: {data['source'] or 'none'})"]
    for key in ("dau", "wau", "mau"):
        value = data[key]
        lines.append(f"  {key.upper():<24} {'n/a' if value is None else value}{why(key)}")
    lines.append(f"  {'stickiness (DAU/MAU)':<24} {_pct(data['stickiness'])}{why('stickiness')}")
    for kind in ("retention", "retention_unbounded"):
        label = "retention" if kind == "retention" else "retention (unbounded)"
        cells = ", ".join(f"{k} {_pct(v)}" for k, v in data[kind].items())
        lines.append(f"  {label:<24} {cells}")
    t = data["tickets_per_100_wau"]
    lines.append(
        f"  {'tickets per 100 WAU':<24} {'n/a' if t is None else f'{t:.2f}'}{why('tickets_per_100_wau')}"
    )
    lines.append(f"  {'CSAT':<24} {_pct(data['csat'])}{why('csat')}")
    if data["cohorts"]:
        lines.append("  weekly cohorts (share active in week k after the first week):")
        for cohort in data["cohorts"]:
            cells = " ".join("  -  " if v is None else f"{v * 100:4.0f}%" for v in cohort["retention"])
            lines.append(f"    {cohort['week_start']} {cohort['size']:>7}  {cells}")
    for key, reason in sorted(reasons.items()):
        if key.startswith("retention."):
            lines.append(f"  {key}: n/a ({reason})")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Customer outcomes of a product: DAU, WAU, MAU, stickiness, day-N retention, weekly "
        "cohorts, tickets per 100 WAU and CSAT, each by its documented definition."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The product's slug.")
        parser.add_argument("--as-of", help="The as-of day, YYYY-MM-DD (UTC; default: today).")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        product = Product.objects.filter(slug=options["slug"]).first()
        if product is None:
            raise NotFound(f"no product with slug {options['slug']!r}", field="slug")
        as_of = parse_date(options["as_of"], "--as-of") if options["as_of"] else None
        data = services.outcomes(product, as_of)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.stdout.write(render_text(data))
