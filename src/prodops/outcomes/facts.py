"""Customer-outcome facts as of the evaluation day (definitions: outcomes.definitions,
docs/outcomes.md). A fact the data cannot give is absent (unknown), never 0."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from prodops.core.facts import FactSpec, FactValues, fact_provider
from prodops.outcomes.services import outcomes_for

FACTS = {
    "outcomes.dau": ("dau",),
    "outcomes.wau": ("wau",),
    "outcomes.mau": ("mau",),
    "outcomes.stickiness": ("stickiness",),
    "outcomes.retention_d7": ("retention", "d7"),
    "outcomes.retention_d30": ("retention", "d30"),
    "outcomes.tickets_per_100_wau": ("tickets_per_100_wau",),
    "outcomes.csat": ("csat",),
}


@fact_provider(
    FactSpec("outcomes.dau", "int", "users", "Distinct users active on the evaluation day (UTC)."),
    FactSpec("outcomes.wau", "int", "users", "Distinct users active in the last 7 days [d-6, d]."),
    FactSpec("outcomes.mau", "int", "users", "Distinct users active in the last 30 days [d-29, d]."),
    FactSpec("outcomes.stickiness", "float", "ratio", "Mean DAU over [d-29, d] divided by MAU (0..1)."),
    FactSpec(
        "outcomes.retention_d7",
        "float",
        "share",
        "Bracket day-7 retention: of users first active in [d-34, d-7], "
        "the share active exactly 7 days later.",
    ),
    FactSpec(
        "outcomes.retention_d30",
        "float",
        "share",
        "Bracket day-30 retention: of users first active in [d-57, d-30], "
        "the share active exactly 30 days later.",
    ),
    FactSpec(
        "outcomes.tickets_per_100_wau",
        "float",
        "tickets per 100 users",
        "Support tickets opened in [d-27, d] per 100 users of the mean WAU over those days.",
    ),
    FactSpec(
        "outcomes.csat",
        "float",
        "share",
        "Tickets rated good / (good + bad) among tickets rated in [d-27, d].",
    ),
)
def outcome_facts(product_ids: Sequence[int], now: datetime) -> FactValues:
    results = outcomes_for(product_ids, now.astimezone(UTC).date())
    values: dict[int, dict[str, Any]] = {}
    for pid, data in results.items():
        facts: dict[str, Any] = {}
        for name, path in FACTS.items():
            value: Any = data
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None:
                facts[name] = value
        values[pid] = facts
    return values
