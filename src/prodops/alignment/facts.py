"""Facts about the alignment survey of a product (its latest round).

* ``alignment.w`` — Kendall's W (tie-corrected) of the current answers of the latest
  round. Unknown with fewer than two answers.
* ``alignment.p_value`` — its p-value (exact permutation distribution, or χ² when the
  enumeration is too large; see docs/outcomes.md, "Alignment"). Unknown as above.
* ``alignment.responses`` — current answers in the latest round (0 without a survey).
* ``alignment.functions`` — distinct stakeholder functions among them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prodops.alignment import kendall
from prodops.alignment.models import ITEMS, Round
from prodops.core.facts import FactSpec, FactValues, fact_provider
from prodops.core.prepared import PreparedQuery

# Every round of the batch with its answers (LEFT JOIN), in one query built and compiled
# once (core.prepared): re-evaluating one product only re-sends its SQL.
_ANSWERS = PreparedQuery(
    lambda p: (
        Round.objects.filter(product_id__in_ids=p.ids)
        .order_by()
        .values_list(
            "product_id", "number", "responses__function", "responses__ranking", "responses__current"
        )
    )
)


@fact_provider(
    FactSpec(
        "alignment.w",
        "float",
        "W (0..1)",
        "Kendall's W (tie-corrected) of the stakeholders' rankings of the four aims in the "
        "latest survey round. Unknown with fewer than two answers.",
    ),
    FactSpec(
        "alignment.p_value",
        "float",
        "probability",
        "p-value of W under 'the functions rank at random' (exact permutation "
        "distribution, or chi-squared for large panels). Unknown with fewer than two answers.",
    ),
    FactSpec("alignment.responses", "int", "answers", "Current answers in the latest survey round."),
    FactSpec(
        "alignment.functions",
        "int",
        "functions",
        "Distinct stakeholder functions that answered the latest round.",
    ),
)
def alignment_facts(product_ids: Sequence[int], now: datetime) -> FactValues:
    # The latest round of each product is kept.
    latest: dict[int, int] = {}
    rows: dict[tuple[int, int], list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for pid, number, function, ranking, current in _ANSWERS.rows(ids=list(product_ids)):
        latest[pid] = max(latest.get(pid, 0), number)
        if current:
            rows[(pid, number)].append((function, ranking))
    answers = {pid: rows.get((pid, number), []) for pid, number in latest.items()}
    result: dict[int, dict[str, Any]] = {}
    for pid in product_ids:
        given = answers.get(pid, [])
        values: dict[str, Any] = {
            "alignment.responses": len(given),
            "alignment.functions": len({f for f, _ in given}),
        }
        if len(given) >= 2:
            concordance = kendall.concordance([kendall.rank_vector(r, ITEMS) for _, r in given])
            if concordance.w_corrected is not None:
                values["alignment.w"] = round(concordance.w_corrected, 4)
                values["alignment.p_value"] = concordance.p_value
        result[pid] = values
    return result
