"""DORA facts: the default linkage, 2023 bands, over the 90 days before the evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prodops.core.facts import FactSpec, fact_provider
from prodops.metrics.services import dora_for_products

WINDOW_DAYS = 90
FACTS = {
    "dora.deployment_frequency": ("deployment_frequency", "per_week"),
    "dora.lead_time_hours": ("lead_time_for_changes", "median_hours"),
    "dora.change_failure_rate": ("change_failure_rate", "value"),
    "dora.time_to_restore_hours": ("time_to_restore", "median_hours"),
    "dora.rework_rate": ("rework_rate", "value"),
}


@fact_provider(
    FactSpec(
        "dora.deployment_frequency",
        "float",
        "deployments/week",
        "Successful production deployments per week over the last 90 days.",
    ),
    FactSpec(
        "dora.lead_time_hours",
        "float",
        "hours",
        "Median hours from commit to the first successful production deployment at or after it (90 days).",
    ),
    FactSpec(
        "dora.change_failure_rate",
        "float",
        "ratio",
        "Failed production deployments ÷ production deployments over the last 90 days (0..1).",
    ),
    FactSpec(
        "dora.time_to_restore_hours",
        "float",
        "hours",
        "Median failed-deployment recovery time over the last 90 days.",
    ),
    FactSpec(
        "dora.rework_rate",
        "float",
        "ratio",
        "Unplanned (rework) deployments ÷ production deployments over the last 90 days (0..1).",
    ),
    FactSpec(
        "dora.band.<metric>",
        "string",
        "level",
        "DORA 2023 performance level (elite, high, medium, low) of deployment_frequency, "
        "lead_time, change_failure_rate or time_to_restore.",
    ),
)
def dora_facts(product_ids: Sequence[int], now: datetime) -> dict[int, dict[str, Any]]:
    results = dora_for_products(product_ids=list(product_ids), end=now, window_days=WINDOW_DAYS)
    out: dict[int, dict[str, Any]] = {}
    for pid, result in results.items():
        values: dict[str, Any] = {}
        for fact, (metric, key) in FACTS.items():
            value = result[metric].get(key)
            if value is not None:  # no data: the fact is unknown, never 0
                values[fact] = value
        for name, metric in (
            ("deployment_frequency", "deployment_frequency"),
            ("lead_time", "lead_time_for_changes"),
            ("change_failure_rate", "change_failure_rate"),
            ("time_to_restore", "time_to_restore"),
        ):
            if result[metric].get("band"):
                values[f"dora.band.{name}"] = result[metric]["band"]
        out[pid] = values
    return out
