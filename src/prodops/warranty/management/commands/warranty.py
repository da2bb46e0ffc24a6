from __future__ import annotations

import argparse
import json
import math
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from prodops.catalog.models import Product
from prodops.warranty import csvdata, services, srgm

MODEL_CHOICES = ["go", "mo", "dss", "jm", "all"]
EXIT_HELP = "Exit status: 0 when at least one model fits, 1 when none can, 2 on bad input."


class Command(BaseCommand):
    help = (
        "Scope the warranty from data: fit reliability-growth models and forecast when the "
        "defect rate falls below the threshold.\n\n"
        "  prodops warranty estimate SLUG\n"
        "  prodops warranty estimate --from-file FILE.csv [--observed-until T] [--model go|mo|dss|jm|all]\n"
        "                            [--threshold RATE] [--format text|json]\n\n"
        "A CSV has a header and either a column `time` (each failure's time since the start, in any "
        "consistent unit) or columns `period_end,count` (counts per period). " + EXIT_HELP
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="estimate", required=True)
        est = sub.add_parser(
            "estimate",
            help="Fit the models and forecast the end of warranty.",
            description="Fit Goel-Okumoto, Musa-Okumoto, delayed S-shaped and Jelinski-Moranda "
            "models by maximum likelihood, pick the smallest AIC and forecast. " + EXIT_HELP,
        )
        est.add_argument("slug", nargs="?", help="A product: use its defects and incidents since go-live.")
        est.add_argument("--from-file", metavar="FILE.csv", help="Read failure data from a CSV file instead.")
        est.add_argument(
            "--observed-until",
            type=float,
            metavar="T",
            help="End of observation (failure times; default: the last failure, or now for a product).",
        )
        est.add_argument(
            "--model", choices=MODEL_CHOICES, default="all", help="Which model to fit (default all)."
        )
        est.add_argument(
            "--threshold",
            type=float,
            metavar="RATE",
            help="Failures per time unit below which the warranty may end "
            "(default: 1/14, or the product's policy).",
        )
        est.add_argument(
            "--horizon",
            type=float,
            default=14.0,
            help="Window for the probability of no failure (default 14).",
        )
        est.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        models = ["go", "mo", "dss", "jm"] if options["model"] == "all" else [options["model"]]
        threshold = options["threshold"]
        if threshold is not None and not threshold > 0:
            raise CommandError("--threshold must be a positive rate", returncode=2)
        if options["horizon"] <= 0:
            raise CommandError("--horizon must be positive", returncode=2)
        if bool(options["slug"]) == bool(options["from_file"]):
            raise CommandError("give either a product SLUG or --from-file FILE.csv", returncode=2)
        if options["from_file"]:
            result = self._from_file(options, models, threshold if threshold is not None else 1 / 14)
            ok = result.ok
            payload = result.as_dict()
            text = render_text(payload)
        else:
            ok, payload = self._from_product(options, models, threshold)
            # A product's times are days since go-live; a file's unit is unknown.
            text = render_text(payload, unit="day")
        self.stdout.write(json.dumps(payload, indent=2) if options["format"] == "json" else text)
        if not ok:
            if options["format"] == "json":
                self.stderr.write(srgm.NO_GROWTH)
            raise SystemExit(1)

    def _from_file(self, options: dict[str, Any], models: list[str], threshold: float) -> srgm.Estimate:
        path = Path(options["from_file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"{path}: cannot read: {exc.strerror}", returncode=2) from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: line 1: not UTF-8 text", returncode=2) from None
        try:
            data = csvdata.parse(text, path=str(path), observed_until=options["observed_until"])
        except csvdata.InputError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except ValueError as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from None
        if isinstance(data, srgm.GroupedCounts) and options["observed_until"] is not None:
            raise CommandError("--observed-until applies to failure times, not grouped counts", returncode=2)
        return srgm.estimate(data, models=models, threshold=threshold, horizon=options["horizon"])

    def _from_product(
        self, options: dict[str, Any], models: list[str], threshold: float | None
    ) -> tuple[bool, dict[str, Any]]:

        try:
            product = Product.objects.get(slug=options["slug"])
        except Product.DoesNotExist:
            raise CommandError(f"no product {options['slug']!r}", returncode=2) from None
        try:
            policy = services.Policy.of(product.warranty)
        except services.PolicyError as exc:
            raise CommandError(f"product {product.slug!r}: {exc}", returncode=2) from None
        if product.go_live is None:
            raise CommandError(f"product {product.slug!r} has no go-live date", returncode=2)
        if threshold is not None:
            policy = replace(policy, defects=threshold * policy.per_days)
        now = None
        if options["observed_until"] is not None:
            now = services._start(product.go_live) + timedelta(days=options["observed_until"])
        found, open_ = services._counted_events([product.id], {product.id: policy.severities}, now or _now())
        result = services.assess(
            product_id=product.id,
            slug=product.slug,
            policy=policy,
            go_live=product.go_live,
            now=now or _now(),
            failures=found.get(product.id, []),
            open_counted=open_.get(product.id, 0),
            models=models,
        )
        # Exit 0 only when a model is usable (docs/warranty.md); no counted failure at all
        # means no model can be fitted, so 1.
        ok = result.estimate is not None and result.estimate.ok
        return ok, result.as_dict()


def _now() -> Any:

    return timezone.now()


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}" if math.isfinite(v) else "-"
    return str(v)


def render_text(payload: dict[str, Any], *, unit: str | None = None) -> str:
    """A plain report of the estimate; the same facts as the JSON. ``unit`` is the time
    unit when known (``"day"``); without one the report says "per unit"."""
    per = f"per {unit or 'unit'}"
    lines: list[str] = []
    data = payload["data"]
    if data["kind"] == "grouped":
        lines.append(
            f"Data: {data['failures']} failures in {data['periods']} periods "
            f"up to {_fmt(data['observed_until'])}"
        )
    else:
        lines.append(f"Data: {data['failures']} failure times, observed until {_fmt(data['observed_until'])}")
    trend = payload.get("trend")
    if trend:
        lines.append(
            f"Laplace trend test: U = {trend['statistic']:.3f} ({trend['verdict']}; "
            f"one-sided p for growth = {trend['p_value_growth']:.4f})"
        )
    lines.append("")
    for m in payload["models"]:
        if "error" in m:
            lines.append(f"  {m['model']:<18} {m['error']}")
            continue
        params = ", ".join(f"{k} = {_fmt(v)} (± {_fmt(m['stderr'][k])})" for k, v in m["params"].items())
        lines.append(
            f"  {m['model']:<18} {params}; log L = {_fmt(m['log_likelihood'])}, AIC = {_fmt(m['aic'])}"
        )
        gof = m.get("goodness_of_fit") or {}
        if m.get("degenerate"):
            lines.append(f"  {'':<18} degenerate, not used: {m['degenerate']}")
        elif gof and not gof.get("passed", True):
            lines.append(f"  {'':<18} does not fit, not used: goodness-of-fit p = {_fmt(gof.get('p_value'))}")
        elif gof:
            note = gof.get("note") or gof.get("test", "").split(" (")[0]
            lines.append(f"  {'':<18} goodness of fit: p = {_fmt(gof.get('p_value'))} ({note})")
    fc = payload.get("forecast")
    if payload.get("selected") and fc:
        lines.append("")
        lines.append(f"Selected (smallest AIC among usable models): {payload['selected']}")
        if len(payload.get("views") or []) > 1:
            views = "; ".join(
                f"{v['model']} {'below' if v['below_threshold_now'] else 'above'}" for v in payload["views"]
            )
            lines.append(f"  Each usable model now: {views}")
        if not payload.get("forecast_decides", True):
            lines.append(f"  The forecast does not decide: {payload.get('verdict')}")
        lines.append(
            f"  Intensity now: {_fmt(fc['current_intensity'])} {per} "
            f"(threshold {_fmt(fc['threshold'])} {per})"
        )
        if fc["below_threshold_now"]:
            lines.append("  The intensity is already below the threshold.")
        lo, hi = fc["interval"]
        if not fc["below_threshold_now"]:
            clipped = ", clipped at the end of observation" if fc.get("interval_clipped") else ""
            lines.append(
                f"  Intensity below threshold from t = {_fmt(fc['threshold_time'])} "
                f"(90% interval {_fmt(lo)} to {_fmt(hi)}{clipped}, {fc['interval_method']})"
            )
        if fc["expected_remaining"] is not None:
            lines.append(
                f"  Expected failures still to come: {_fmt(fc['expected_remaining'])} "
                f"(± {_fmt(fc['expected_remaining_stderr'])})"
            )
        else:
            lines.append("  Expected failures still to come: unbounded (infinite-failures model)")
        lines.append(
            f"  Probability of no failure in the next {_fmt(fc['horizon'])}{f' {unit}s' if unit else ''}: "
            f"{_fmt(fc['p_no_failure_in_horizon'])}"
        )
    w = payload.get("warranty")
    if w:
        lines.append("")
        lines.append(
            f"Product {w['product']}: live since {w['go_live']} ({_fmt(w['days_in'])} days), "
            f"threshold {w['policy']['threshold']['defects']:g} per {w['policy']['threshold']['per']}, "
            f"counting {', '.join(w['policy']['severities'])}"
        )
        lines.append(
            f"  Proposed warranty end: {w['proposed_end']} "
            f"(decided by {services.decided_by_text(w['decided_by'])})"
        )
        lines.append(
            f"  Open counted defects/incidents: {w['open_counted']}; "
            f"exit met: {'yes' if w['exit_met'] else 'no'} ({w.get('exit_reason', '')})"
        )
    if not payload.get("selected"):
        lines.append("")
        lines.append(payload.get("verdict") or (w or {}).get("message") or srgm.NO_GROWTH)
    return "\n".join(lines)
