"""Warranty facts for the readiness engine, for a batch of products in two queries.

Products in the ``warranty`` stage with a go-live date get all four facts; other
products with a go-live date get only ``warranty.days_in``; the rest get none (unknown).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prodops.catalog.facts import products
from prodops.core.facts import FactContext, FactSpec, FactValues, fact_provider
from prodops.warranty.services import ProductWarranty, assess_products


@fact_provider(
    FactSpec(
        "warranty.current_intensity",
        "float",
        "defects/day",
        "Counted defects and incidents per day now, from the usable reliability-growth model "
        "(interior estimate, passes its goodness-of-fit test) with the smallest AIC fitted to "
        "those found since go-live. Unknown when no model is usable.",
    ),
    FactSpec(
        "warranty.forecast_end",
        "date",
        "date",
        "Proposed end of warranty: go-live + max(forecast time the intensity falls below the "
        "policy threshold, time observed so far), clamped to the policy's min_days and max_days. "
        "Unknown when the forecast cannot decide: no counted failure, no significant growth "
        "(Laplace test at 5%), or no model that is interior and passes its goodness-of-fit test.",
    ),
    FactSpec(
        "warranty.exit_met",
        "bool",
        "",
        "The warranty exit criterion: every usable model puts the intensity below the policy "
        "threshold now (with no counted failure at all: the 95% upper bound of the rate is "
        "below it) and no defect or incident of a counted severity is open. The same verdict "
        "as the warranty panel and the handover pack.",
    ),
    FactSpec("warranty.days_in", "int", "days", "Whole days since go-live."),
)
def warranty_facts(
    product_ids: Sequence[int], now: datetime, context: FactContext | None = None
) -> FactValues:
    context = context or FactContext(product_ids, now)
    rows = products(context)
    live = sorted(
        (rows[pid] for pid in product_ids if pid in rows and rows[pid].go_live is not None),
        key=lambda p: p.slug,
    )
    result: dict[int, dict[str, Any]] = {}
    in_warranty = [p for p in live if p.stage == "warranty"]
    assessed = assess_products(in_warranty, now=now) if in_warranty else {}
    for p in live:
        assert p.go_live is not None
        values: dict[str, Any] = {"warranty.days_in": max((now.date() - p.go_live).days, 0)}
        outcome = assessed.get(p.id)
        if isinstance(outcome, ProductWarranty):
            values["warranty.exit_met"] = outcome.exit_met
            if outcome.current_intensity is not None:
                values["warranty.current_intensity"] = outcome.current_intensity
            # Only when the forecast really decides (significant growth, a usable model).
            if outcome.estimate is not None and outcome.estimate.decides:
                values["warranty.forecast_end"] = outcome.proposed_end
        result[p.id] = values
    return result
