"""The ``pilot.*`` facts, from the judgement of every criterion (``services.statuses``).

A product without a pilot plan has none of them (rules on them are *unknown*).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prodops.core.facts import FactSpec, FactValues, fact_provider
from prodops.pilots.services import fact_values, statuses


@fact_provider(
    FactSpec(
        "pilot.days_run", "int", "days", "Days since the pilot started (until a signed proceed or stop)."
    ),
    FactSpec("pilot.min_days", "int", "days", "The pilot's planned minimum duration."),
    FactSpec("pilot.criteria_total", "int", "criteria", "Criteria in the pilot plan."),
    FactSpec(
        "pilot.criteria_passing", "int", "criteria", "Criteria whose interval lies wholly on the good side."
    ),
    FactSpec(
        "pilot.criteria_failing", "int", "criteria", "Criteria whose interval lies wholly on the bad side."
    ),
    FactSpec(
        "pilot.criteria_inconclusive", "int", "criteria", "Criteria whose interval straddles the threshold."
    ),
    FactSpec("pilot.criteria_no_data", "int", "criteria", "Criteria below their minimum sample."),
    FactSpec(
        "pilot.blocking_not_passed",
        "int",
        "criteria",
        "Blocking criteria that do not pass (failing, inconclusive or without enough data).",
    ),
    FactSpec(
        "pilot.exposed_share",
        "float",
        "ratio",
        "People exposed ÷ planned size, over the pilot cohorts (control cohorts left out).",
    ),
    FactSpec("pilot.decision", "string", "", "The signed decision: proceed, extend, stop, or none."),
    FactSpec("pilot.feedback_score", "float", "rating 1-5", "Mean rating of the pilot users' feedback."),
)
def pilot_facts(product_ids: Sequence[int], now: datetime) -> FactValues:
    return {pid: fact_values(status) for pid, status in statuses(product_ids, now).items()}
