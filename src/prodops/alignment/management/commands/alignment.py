"""``prodops alignment SLUG``: Kendall's W of the stakeholders' rankings of the aims."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from prodops.alignment import services
from prodops.alignment.models import ITEM_LABELS
from prodops.catalog.models import Product
from prodops.core.errors import NotFound


def render_text(data: dict[str, Any]) -> str:
    lines = [f"{data['product']}: alignment"]
    if data["round"] is None:
        return "\n".join([*lines, f"  {data['reason']}"])
    rnd = data["round"]
    lines.append(f"  round {rnd['number']} ({rnd['stage']}), {data['raters']} answer(s)")
    if data["w_corrected"] is None:
        lines.append(f"  W: unknown ({data['reason']})")
    else:
        lines.append(
            f"  Kendall's W {data['w_corrected']:.3f} (uncorrected {data['w']:.3f}), "
            f"p = {data['p_value']:.3g} ({data['p_method']})"
        )
    if data["consensus"]:
        lines.append("  consensus (mean rank):")
        for n, entry in enumerate(data["consensus"], start=1):
            lines.append(
                f"    {n}. {entry['item']:<10} {entry['mean_rank']:.2f}  {ITEM_LABELS[entry['item']]}"
            )
    if data["outlier"]:
        out = data["outlier"]
        lines.append(
            f"  disagrees most: {out['person']} ({out['function']}); W without: {out['w_without']:.3f}"
        )
    if data["responses"]:
        lines.append("  north stars:")
        for response in data["responses"]:
            order = " > ".join(sorted(response["ranking"], key=lambda k: response["ranking"][k]))
            lines.append(f"    {response['function']:<18} {response['north_star'] or '-'}  [{order}]")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Alignment of a product's stakeholders: Kendall's W of their rankings of the four "
        "aims (delight, adoption, retention, support), its p-value, the consensus order and "
        "the stakeholder who disagrees most."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The product's slug.")
        parser.add_argument("--round", type=int, help="A survey round number (default: the latest).")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        product = Product.objects.filter(slug=options["slug"]).first()
        if product is None:
            raise NotFound(f"no product with slug {options['slug']!r}", field="slug")
        data = services.summary(product, options["round"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.stdout.write(render_text(data))
