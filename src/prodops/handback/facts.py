"""``ops.*`` (operating load over the last 28 days) and ``handback.*`` facts.

Definitions are in :mod:`prodops.handback.load`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prodops.core.facts import FactContext, FactSpec, FactValues, fact_provider
from prodops.handback.services import assess, fact_values


@fact_provider(
    FactSpec(
        "ops.pages_per_shift", "float", "pages/shift", "Pages in the last 28 days ÷ 56 twelve-hour shifts."
    ),
    FactSpec(
        "ops.pages_per_shift_p90",
        "int",
        "pages/shift",
        "90th percentile (nearest rank) of the page counts of the last 56 twelve-hour shifts.",
    ),
    FactSpec(
        "ops.incidents_per_shift_max", "int", "incidents", "Most incidents opened in one shift (28 days)."
    ),
    FactSpec(
        "ops.interrupt_hours_per_week",
        "float",
        "hours/week",
        "Incident, page and ticket handling time of the last 28 days ÷ 4 (incidents and pages: "
        "open time, at most 12 h each; a PagerDuty incident and its page count once).",
    ),
    FactSpec(
        "ops.load_share",
        "float",
        "ratio",
        "Interrupt hours per week ÷ the run team's weekly capacity. Unknown without capacity.",
    ),
    FactSpec(
        "handback.triggered",
        "bool",
        "",
        "In a stage the handback policy watches (default operate) and over its limits "
        "(default: > 2 pages per shift, or load share > 0.5; SRE book ch. 1 and 11).",
    ),
    FactSpec("handback.reasons", "list", "", "Why the handback is triggered (empty when it is not)."),
)
def handback_facts(product_ids: Sequence[int], now: datetime, context: FactContext) -> FactValues:
    # The batch's shared product rows and teams, not a product query of its own.
    return {pid: fact_values(a) for pid, a in assess(product_ids, now, context).items()}
