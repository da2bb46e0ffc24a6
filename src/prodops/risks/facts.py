"""Facts from the risk register and the known-error database.

* ``risks.open_high`` — risks with status ``open`` and score (likelihood x impact) ≥ 15.
  A risk being mitigated (``mitigating``), formally accepted (``accepted``, usually
  with a waiver that relies on it) or ``closed`` does not count: those have an owner
  and a decision; an open high risk has neither.
* ``risks.open`` — risks not closed (open, mitigating or accepted).
* ``risks.unreviewed`` — risks not closed whose next review date is before today.
* ``known_errors.open`` — known errors with status ``open``.
* ``known_errors.without_workaround`` — open known errors with an empty workaround.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import CharField, Count, DateField, F, IntegerField, Q, Value

from prodops.core.facts import FactSpec, FactValues, fact_provider
from prodops.core.prepared import PreparedQuery
from prodops.risks.models import HIGH_SCORE, KnownError, Risk


def _counts(p: Any) -> Any:
    """Risks and known errors counted in one query: every column is an annotation, so
    both sides of the UNION have them in the same order (known errors have two counts)."""
    live = ~Q(status=Risk.Status.CLOSED)
    risks = (
        Risk.objects.filter(product_id__in_ids=p.ids)
        .order_by()
        .values("product_id")
        .annotate(
            k=Value("r", CharField()),
            pid=F("product_id"),
            a=Count("id", filter=Q(status=Risk.Status.OPEN, score__gte=HIGH_SCORE)),
            b=Count("id", filter=live),
            c=Count("id", filter=live & Q(next_review__lt=p.today)),
        )
        .values_list("k", "pid", "a", "b", "c")
    )
    known_errors = (
        KnownError.objects.filter(product_id__in_ids=p.ids, status=KnownError.Status.OPEN)
        .order_by()
        .values("product_id")
        .annotate(
            k=Value("e", CharField()),
            pid=F("product_id"),
            a=Count("id"),
            b=Count("id", filter=Q(workaround="")),
            c=Value(0, IntegerField()),
        )
        .values_list("k", "pid", "a", "b", "c")
    )
    return risks.union(known_errors, all=True)


_COUNTS = PreparedQuery(_counts, today=DateField())


@fact_provider(
    FactSpec(
        "risks.open_high",
        "int",
        "risks",
        "Risks with status 'open' (not mitigating, accepted or closed) and score likelihood x impact ≥ 15.",
    ),
    FactSpec("risks.open", "int", "risks", "Risks not closed (open, mitigating or accepted)."),
    FactSpec("risks.unreviewed", "int", "risks", "Risks not closed whose next review date has passed."),
    FactSpec("known_errors.open", "int", "known errors", "Known errors with status 'open'."),
    FactSpec(
        "known_errors.without_workaround",
        "int",
        "known errors",
        "Open known errors that have no workaround recorded.",
    ),
)
def risk_facts(product_ids: Sequence[int], now: datetime) -> FactValues:
    today = now.date()
    result: dict[int, dict[str, Any]] = {
        pid: {
            "risks.open_high": 0,
            "risks.open": 0,
            "risks.unreviewed": 0,
            "known_errors.open": 0,
            "known_errors.without_workaround": 0,
        }
        for pid in product_ids
    }
    for kind, pid, a, b, c in _COUNTS.rows(ids=list(product_ids), today=today):
        values = result[pid]
        if kind == "r":
            values["risks.open_high"] = a
            values["risks.open"] = b
            values["risks.unreviewed"] = c
        else:
            values["known_errors.open"] = a
            values["known_errors.without_workaround"] = b
    return result
