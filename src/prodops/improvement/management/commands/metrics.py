"""``prodops metrics process [--format text|json]``: the handover process metrics."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from prodops.improvement.services import process_metrics


def _n(value: Any, unit: str = "", pct: bool = False) -> str:
    if value is None:
        return "n/a"
    if pct:
        return f"{value * 100:.0f}%"
    return f"{value:.1f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def group_text(name: str, g: dict[str, Any]) -> list[str]:
    lines = [f"{name}:"]
    for stage, s in g["time_in_stage"].items():
        lines.append(
            f"  time in {stage}: median {_n(s['median_days'], ' d')}, "
            f"p90 {_n(s['p90_days'], ' d')} (n={s['n']})"
        )
    for gate, s in g["first_pass"].items():
        lines.append(
            f"  first-pass {gate} gate: {_n(s['rate'], pct=True)} ({s['first_pass']} of {s['passed']})"
        )
    w = g["waivers"]
    lines.append(
        f"  waiver rate: {_n(w['rate'], pct=True)} ({w['with_waivers']} of {w['gate_passes']} gate passes); "
        f"median age of {w['in_force']} in force: {_n(w['median_age_days'], ' d')}"
    )
    f = g["warranty_forecast_error"]
    lines.append(
        f"  warranty forecast error: median |error| {_n(f['median_abs_days'], ' d')}, "
        f"mean signed {_n(f['mean_signed_days'], ' d')} (n={f['n']})"
    )
    e = g["early_life_incidents"]
    lines.append(
        f"  early-life incidents (90 d in operate): {e['incidents']} over {e['products']} products; "
        f"median per product {_n(e['median_per_product'])} (n={e['observed_90_days']} observed 90 days)"
    )
    a = g["action_items"]
    lines.append(
        f"  action items closed on time: {_n(a['rate'], pct=True)} ({a['on_time']} of {a['due_or_closed']})"
    )
    c = g["retrospective_coverage"]
    lines.append(f"  retrospective coverage: {_n(c['rate'], pct=True)} ({c['held']} of {c['transitions']})")
    return lines


class Command(BaseCommand):
    help = (
        "Process metrics of the handover process (time in stage, first-pass gate rate, "
        "waivers, warranty forecast error, early-life incidents, action items, "
        "retrospective coverage), for the portfolio and each build team."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="which", required=True)
        proc = sub.add_parser("process", help="The handover process metrics.")
        proc.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        result = process_metrics()
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, indent=2))
            return
        lines = [
            (
                f"process metrics as of {result['as_of']} "
                f"(median: {result['methods']['median']}; p90: nearest rank)"
            )
        ]
        lines += group_text("portfolio", result["portfolio"])
        for team, g in result["teams"].items():
            lines += group_text(f"team {team}", g)
        self.stdout.write("\n".join(lines))
