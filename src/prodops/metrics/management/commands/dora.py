"""``prodops dora SLUG|--all``: the DORA metrics as a readable table or JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from prodops.catalog.models import Product
from prodops.core.validation import parse_date
from prodops.metrics import services
from prodops.metrics.dora import BANDS

COLUMNS = [
    ("deployment_frequency", "per_week", "deploys/week"),
    ("lead_time_for_changes", "median_hours", "lead time"),
    ("change_failure_rate", "value", "change failure"),
    ("time_to_restore", "median_hours", "time to restore"),
    ("rework_rate", "value", "rework"),
]


def _value(metric: str, key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key == "value":
        return f"{value * 100:.1f} %"
    if key == "median_hours":
        return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} d"
    return f"{value:.2f}"


def _cell(result: dict[str, Any], metric: str, key: str) -> str:
    entry = result[metric]
    text = _value(metric, key, entry.get(key))
    return f"{text} {entry['band']}" if entry.get("band") else text


class Command(BaseCommand):
    help = (
        "DORA metrics (deployment frequency, lead time for changes, change failure rate, "
        "failed deployment recovery time, rework rate) of one product or all, with their "
        "performance bands."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="The product's slug (or use --all).")
        parser.add_argument("--all", action="store_true", help="Every product, and the portfolio.")
        parser.add_argument("--as-of", help="Last day of the window, YYYY-MM-DD (default: now).")
        parser.add_argument("--window", default="90d", help="Window length, e.g. 90d or 12w (default 90d).")
        parser.add_argument(
            "--linkage",
            choices=["default", "fourkeys"],
            default="default",
            help="default: each change counts at the first production deployment at/after it; "
            "fourkeys: reproduce Google's Four Keys queries.",
        )
        parser.add_argument(
            "--bands", choices=sorted(BANDS), default="2023", help="DORA report of the bands."
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["slug"]) == bool(options["all"]):
            raise CommandError("give a product slug or --all (not both)", returncode=2)
        try:
            window_days = services.parse_window(options["window"])
            as_of = parse_date(options["as_of"], "--as-of") if options["as_of"] else None
        except (services.MetricsError, ValueError) as error:
            raise CommandError(f"--window/--as-of: {error}", returncode=2) from None
        if options["all"]:
            products = list(Product.objects.order_by("slug").values_list("id", "slug"))
        else:
            products = list(Product.objects.filter(slug=options["slug"]).values_list("id", "slug"))
            if not products:
                raise CommandError(f"no product with slug {options['slug']!r}", returncode=2)
        end = services.window_end(as_of)
        results = services.dora_for_products(
            product_ids=[pid for pid, _ in products],
            end=end,
            window_days=window_days,
            linkage=options["linkage"],
            bands=options["bands"],
        )
        by_slug = {slug: results[pid] for pid, slug in products}
        header = (
            f"DORA metrics over {window_days} days to {end:%Y-%m-%d %H:%M %Z} "
            f"(linkage: {options['linkage']}, bands: {options['bands']} report, see below)"
        )
        if options["all"]:
            summary = services.portfolio(list(by_slug.values()), bands=options["bands"])
            if options["format"] == "json":
                self.stdout.write(
                    json.dumps({"products": by_slug, "portfolio": summary}, indent=2, default=str)
                )
            else:
                self._table(header, by_slug, summary)
            return
        slug, result = next(iter(by_slug.items()))
        if options["format"] == "json":
            self.stdout.write(json.dumps({"product": slug, **result}, indent=2, default=str))
        else:
            self._one(header, slug, result)

    def _table(self, header: str, by_slug: dict[str, dict[str, Any]], summary: dict[str, Any]) -> None:
        names = ["product", "deploys", *[title for _, _, title in COLUMNS]]
        rows = [
            [slug, str(result["deployments"]), *[_cell(result, m, k) for m, k, _ in COLUMNS]]
            for slug, result in by_slug.items()
        ]
        median_deploys = summary["deployments"]
        rows.append(
            [
                "portfolio (median product)",
                "-" if median_deploys is None else f"{median_deploys:g}",
                *[_cell(summary, m, k) for m, k, _ in COLUMNS],
            ]
        )
        widths = [max(len(row[i]) for row in [names, *rows]) for i in range(len(names))]

        def line(cells: list[str]) -> str:
            return "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )

        self.stdout.write(header + "\n")
        self.stdout.write(line(names))
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in rows[:-1]:
            self.stdout.write(line(row))
        self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write(line(rows[-1]))
        self.stdout.write(
            f"\nSuccessful deployments, all products together (sum): {summary['deployments_total']}\n"
            "n/a: not enough data in the window (never shown as 0); `--format json` gives each reason.\n"
            f"Bands: {summary['band_basis']}. Methods: docs/metrics.md."
        )

    def _one(self, header: str, slug: str, result: dict[str, Any]) -> None:
        self.stdout.write(f"{header}\nProduct: {slug}   successful deployments: {result['deployments']}\n")
        width = max(len(title) for _, _, title in COLUMNS)
        for metric, key, title in COLUMNS:
            entry = result[metric]
            value = _value(metric, key, entry.get(key))
            level = entry.get("band") or "-"
            note = entry.get("reason") if entry.get(key) is None else entry.get("method", "")
            self.stdout.write(f"  {title.ljust(width)}  {value:>10}  {level:<7} {note or ''}")
        prof = result.get("profile")
        if prof and prof.get("cluster"):
            self.stdout.write(
                f"\nNearest cluster profile ({prof['metrics']} metrics): {prof['cluster']} "
                f"(distance {prof['distance']}; {prof['method']})"
            )
        if result.get("band_basis"):
            self.stdout.write(f"Bands: {result['band_basis']}.")
