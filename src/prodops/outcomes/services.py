"""Customer outcomes of a product as of a day: active users, stickiness, retention,
weekly cohorts, support load and CSAT (definitions in ``outcomes.definitions`` and
docs/outcomes.md). A value the data cannot give is ``None`` with a reason, never 0."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Value,
)
from django.utils import timezone

from prodops.catalog.models import Product
from prodops.core.prepared import PreparedQuery
from prodops.events.models import ActiveUser, ActiveUserDay, Ticket, Usage
from prodops.events.userkeys import day_date, day_number
from prodops.outcomes import sql
from prodops.outcomes.definitions import (
    COHORT_SPAN_DAYS,
    COHORT_WEEKS,
    DEFINITIONS,
    RETENTION_DAYS,
    SUPPORT_WINDOW_DAYS,
)

NO_USAGE = "no usage data for this product up to the as-of day"
AGGREGATE_ONLY = "only daily active-user totals were sent (no anonymous user keys): only DAU is known"


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def default_as_of() -> date:
    return timezone.now().astimezone(UTC).date()


# The columns of every row of ``_BATCH``: kind, product id and four integers.
_COLUMNS = ("k", "pid", "a", "b", "c", "d")


def _zero() -> Value:
    return Value(0, IntegerField())


def _batch(p: Any) -> Any:
    """What a batch needs besides the user counts, in one query (three were three round
    trips, and most of their cost was Django building and compiling them): every column
    is an annotation, so the branches of the UNION line up. Rows by kind:

    * ``u``: the product has user-level usage on or before day ``p.day`` (its outcomes
      then come from ``sql.counts``);
    * ``a``: it sent daily active-user totals up to ``p.as_of``; ``a`` is that day's
      total (NULL when that day was not sent). Read for every product of the batch (a
      row per day, few) and used only for those without user-level usage;
    * ``t``: its support tickets opened before ``p.end`` (the end of the as-of day):
      ``a`` ever, ``b`` opened in [``p.start``, ``p.end``), ``c`` and ``d`` rated good
      and bad in that window.
    """
    users = (
        Product.objects.filter(pk__in_ids=p.ids)
        .filter(Exists(ActiveUser.objects.filter(product_id=OuterRef("pk"), first_day__lte=p.day)))
        .order_by()
        .annotate(k=Value("u", CharField()), pid=F("pk"), a=_zero(), b=_zero(), c=_zero(), d=_zero())
        .values_list(*_COLUMNS)
    )
    totals = (
        Usage.objects.filter(product_id__in_ids=p.ids, date__lte=p.as_of)
        .order_by()
        .values("product_id")
        .annotate(
            k=Value("a", CharField()),
            pid=F("product_id"),
            a=Max("active_users", filter=Q(date=p.as_of)),
            b=_zero(),
            c=_zero(),
            d=_zero(),
        )
        .values_list(*_COLUMNS)
    )
    rated = Q(rated_at__gte=p.start, rated_at__lt=p.end)
    tickets = (
        Ticket.objects.filter(product_id__in_ids=p.ids, opened_at__lt=p.end)
        .order_by()
        .values("product_id")
        .annotate(
            k=Value("t", CharField()),
            pid=F("product_id"),
            a=Count("id"),
            b=Count("id", filter=Q(opened_at__gte=p.start)),
            c=Count("id", filter=Q(rating="good") & rated),
            d=Count("id", filter=Q(rating="bad") & rated),
        )
        .values_list(*_COLUMNS)
    )
    return users.union(totals, tickets, all=True)


# Built and compiled once (core.prepared): re-evaluating one product sends only its SQL.
_BATCH = PreparedQuery(
    _batch, day=IntegerField(), as_of=DateField(), start=DateTimeField(), end=DateTimeField()
)


def outcomes_for(product_ids: Sequence[int], as_of: date) -> dict[int, dict[str, Any]]:
    """The outcomes of every product in the batch (the JSON of ``prodops outcomes``
    without ``product``), with a fixed number of queries: ``_BATCH``, then the user
    counts of the products that have users."""
    d = day_number(as_of)
    with_users: set[int] = set()
    totals: dict[int, int | None] = {}  # products that sent daily totals: the as-of day's
    support: dict[int, dict[str, int]] = {
        pid: {"opened": 0, "good": 0, "bad": 0, "ever": 0} for pid in product_ids
    }
    for kind, pid, a, b, c, e in _BATCH.rows(
        ids=list(product_ids),
        day=d,
        as_of=as_of,
        start=_day_start(as_of - timedelta(days=SUPPORT_WINDOW_DAYS - 1)),
        end=_day_start(as_of + timedelta(days=1)),
    ):
        if kind == "u":
            with_users.add(pid)
        elif kind == "a":
            totals[pid] = a
        else:
            support[pid] = {"opened": b, "good": c, "bad": e, "ever": a}
    counted = sql.counts(sorted(with_users), d)
    return {
        pid: _one(
            as_of,
            counted.get(pid),
            aggregate=(totals.get(pid), pid in totals),
            support=support[pid],
        )
        for pid in product_ids
    }


def _one(
    as_of: date,
    counts: sql.Counts | None,
    *,
    aggregate: tuple[int | None, bool],
    support: dict[str, int],
) -> dict[str, Any]:
    d = day_number(as_of)
    reasons: dict[str, str] = {}
    out: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "source": None,
        "dau": None,
        "wau": None,
        "mau": None,
        "stickiness": None,
        "retention": {f"d{n}": None for n in RETENTION_DAYS},
        "retention_unbounded": {f"d{n}": None for n in RETENTION_DAYS},
        "cohorts": [],
        "tickets_per_100_wau": None,
        "csat": None,
    }
    mean_wau: float | None = None
    if counts is None:
        total, any_aggregate = aggregate
        if any_aggregate:
            out["source"] = "active_users totals"
            if total is None:
                reasons["dau"] = f"no active_users total was sent for {as_of.isoformat()}"
            else:
                out["dau"] = total
            for key in ("wau", "mau", "stickiness", "retention", "retention_unbounded", "cohorts"):
                reasons[key] = AGGREGATE_ONLY
        else:
            for key in ("dau", "wau", "mau", "stickiness", "retention", "retention_unbounded", "cohorts"):
                reasons[key] = NO_USAGE
        reasons["tickets_per_100_wau"] = "WAU is unknown: " + reasons["wau"]
    else:
        out["source"] = "user events"
        out["dau"], out["wau"], out["mau"] = counts.dau, counts.wau, counts.mau
        if counts.mau:
            out["stickiness"] = round(counts.user_days_30 / 30 / counts.mau, 4)
        else:
            reasons["stickiness"] = "nobody was active in [d-29, d]"
        _retention(out, reasons, counts, d)
        out["cohorts"] = _cohorts(counts, d)
        mean_wau = counts.wau_sum_28 / SUPPORT_WINDOW_DAYS
        if not mean_wau:
            reasons["tickets_per_100_wau"] = "nobody was active in [d-33, d], so the mean WAU is 0"
    if mean_wau:
        if support["ever"]:
            out["tickets_per_100_wau"] = round(support["opened"] / mean_wau * 100, 4)
        else:
            reasons["tickets_per_100_wau"] = "no support ticket was ever recorded for this product"
    rated = support["good"] + support["bad"]
    if rated:
        out["csat"] = _share(support["good"], rated)
    else:
        reasons["csat"] = "no ticket was rated in [d-27, d]"
    out["mean_wau_28"] = round(mean_wau, 4) if mean_wau is not None else None
    out["tickets_opened_28"] = support["opened"]
    out["definitions"] = DEFINITIONS
    out["reasons"] = reasons
    return out


def _retention(out: dict[str, Any], reasons: dict[str, str], counts: sql.Counts, d: int) -> None:
    k = len(RETENTION_DAYS)
    for i, n in enumerate(RETENTION_DAYS):
        lo, hi = d - n - (COHORT_SPAN_DAYS - 1), d - n
        rows = [v for first, v in counts.firsts.items() if lo <= first <= hi]
        size = sum(v[0] for v in rows)
        if not size:
            reason = f"no user was first active in [d-{n + COHORT_SPAN_DAYS - 1}, d-{n}]"
            reasons[f"retention.d{n}"] = reason
            reasons[f"retention_unbounded.d{n}"] = reason
            continue
        out["retention"][f"d{n}"] = _share(sum(v[1 + i] for v in rows), size)
        out["retention_unbounded"][f"d{n}"] = _share(sum(v[1 + k + i] for v in rows), size)


def _cohorts(counts: sql.Counts, d: int) -> list[dict[str, Any]]:
    start = d - sql.LOOKBACK
    sizes = dict.fromkeys(range(COHORT_WEEKS), 0)
    for first, values in counts.firsts.items():
        sizes[(first - start) // 7] += values[0]
    cohorts = []
    for week in range(COHORT_WEEKS):
        size = sizes[week]
        cells = [_share(counts.weeks.get((week, week + k), 0), size) for k in range(COHORT_WEEKS - week)]
        cohorts.append(
            {"week_start": day_date(start + 7 * week).isoformat(), "size": size, "retention": cells}
        )
    return cohorts


def outcomes(product: Product, as_of: date | None = None) -> dict[str, Any]:
    """The JSON of ``prodops outcomes SLUG``."""
    day = as_of or default_as_of()
    return {"product": product.slug, **outcomes_for([product.pk], day)[product.pk]}


def active_users_series(product: Product, as_of: date, days: int = 90) -> list[tuple[date, int]]:
    """DAU per day over the last ``days`` days (user events, else the daily totals)."""

    d = day_number(as_of)
    rows = (
        ActiveUserDay.objects.filter(product=product, day__gt=d - days, day__lte=d)
        .values("day")
        .annotate(n=Count("user_key"))
        .values_list("day", "n")
    )
    series = {day_date(day): n for day, n in rows}
    if not series:
        series = dict(
            Usage.objects.filter(
                product=product, date__gt=as_of - timedelta(days=days), date__lte=as_of
            ).values_list("date", "active_users")
        )
    return sorted(series.items())
