"""Warranty scoped from data: each product's policy, its counted defects and incidents since
go-live, the fitted reliability-growth models and the proposed end of warranty.

Read-only: nothing here writes, so there is nothing to audit. The policy itself is part
of the product (``Product.warranty``) and changes through the catalog's services.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from prodops.events.models import Defect, Incident
from prodops.warranty import chart, srgm

SEVERITIES = ("critical", "high", "medium", "low")
# Incidents carry a number (1 worst); counted as the defect severity of the same rank.
INCIDENT_SEVERITY = {1: "critical", 2: "high", 3: "medium", 4: "low", 5: "low"}
DEFAULT_POLICY: dict[str, Any] = {
    "threshold": {"defects": 1, "per": "14d"},
    "min_days": 30,
    "max_days": 120,
    "severities": ["critical", "high"],
}
HORIZON_DAYS = 14.0

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhw])\s*$")


class PolicyError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"warranty.{field}: {message}")
        self.field = field


def parse_days(text: Any) -> float:
    """A duration string (``14d``, ``12h``, ``2w``) in days."""
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a duration like 14d, 12h or 2w")
    value = float(m.group(1))
    return value * {"d": 1.0, "h": 1 / 24, "w": 7.0}[m.group(2)]


@dataclass(frozen=True)
class Policy:
    defects: float
    per: str
    min_days: int
    max_days: int
    severities: tuple[str, ...]

    @property
    def per_days(self) -> float:
        return parse_days(self.per)

    @property
    def rate(self) -> float:
        """The threshold in counted defects per day."""
        return self.defects / self.per_days

    @property
    def label(self) -> str:
        return f"{self.defects:g} per {self.per}"

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> Policy:
        """The product's policy, with the shared defaults for what it leaves out."""
        data = {**DEFAULT_POLICY, **(raw or {})}
        threshold = {**DEFAULT_POLICY["threshold"], **(data.get("threshold") or {})}
        try:
            defects = float(threshold["defects"])
        except (TypeError, ValueError):
            raise PolicyError("threshold.defects", "must be a number") from None
        if not defects > 0:
            raise PolicyError("threshold.defects", "must be positive")
        per = str(threshold["per"])
        try:
            if parse_days(per) <= 0:
                raise PolicyError("threshold.per", "must be a positive duration")
        except ValueError as exc:
            raise PolicyError("threshold.per", str(exc)) from None
        try:
            min_days, max_days = int(data["min_days"]), int(data["max_days"])
        except (TypeError, ValueError):
            raise PolicyError("min_days", "min_days and max_days must be whole numbers") from None
        if min_days < 0 or max_days < min_days:
            raise PolicyError("max_days", "need 0 <= min_days <= max_days")
        severities = tuple(data.get("severities") or ())
        bad = [s for s in severities if s not in SEVERITIES]
        if bad or not severities:
            raise PolicyError("severities", f"must be a non-empty list of {', '.join(SEVERITIES)}")
        return cls(defects=defects, per=per, min_days=min_days, max_days=max_days, severities=severities)


# What each ``decided_by`` means, for people. "forecast" is said only when the forecast
# really decided: significant growth, a usable model, and usable models that agree.
NOT_ENOUGH_EVIDENCE = "not enough evidence"
DECIDED_BY_TEXT = {
    "forecast": "forecast",
    "observed": "time observed so far",
    "min_days": "min_days",
    "max_days": "max_days",
    NOT_ENOUGH_EVIDENCE: "max_days: not enough evidence for a forecast",
}
# With no counted failure in T days, the one-sided 95% upper bound of the rate is
# -ln(0.05)/T (about 3/T, the "rule of three": the exact Poisson bound for zero events).
ZERO_FAILURE_UPPER = -math.log(0.05)


def decided_by_text(decided_by: str) -> str:
    return DECIDED_BY_TEXT.get(decided_by, decided_by)


@dataclass
class ProductWarranty:
    """Everything the page, the CLI and the facts say about one product's warranty."""

    product_id: int
    slug: str
    policy: Policy
    go_live: date
    now: datetime
    days_in: float
    failure_days: list[float]
    open_counted: int
    estimate: srgm.Estimate | None
    proposed_end: date
    proposed_days: float
    decided_by: str  # "forecast" | "observed" | "min_days" | "max_days" | "not enough evidence"
    current_intensity: float | None
    exit_met: bool
    message: str = ""
    notes: list[str] = field(default_factory=list)
    exit_reason: str = ""  # why the exit is or is not met, in words

    @property
    def forecast_decides(self) -> bool:
        return self.decided_by == "forecast"

    @property
    def forecast(self) -> srgm.Forecast | None:
        return self.estimate.forecast if self.estimate else None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = (
            self.estimate.as_dict()
            if self.estimate
            else {
                "data": {
                    "kind": "failure-times",
                    "failures": len(self.failure_days),
                    "observed_until": self.days_in,
                },
                "trend": None,
                "models": [],
                "selected": None,
                "forecast": None,
            }
        )
        out["warranty"] = {
            "product": self.slug,
            "unit": "days since go-live",
            "go_live": self.go_live.isoformat(),
            "policy": {
                "threshold": {"defects": self.policy.defects, "per": self.policy.per},
                "threshold_per_day": round(self.policy.rate, 6),
                "min_days": self.policy.min_days,
                "max_days": self.policy.max_days,
                "severities": list(self.policy.severities),
            },
            "days_in": round(self.days_in, 3),
            "open_counted": self.open_counted,
            "current_intensity": None if self.current_intensity is None else round(self.current_intensity, 6),
            "exit_met": self.exit_met,
            "exit_reason": self.exit_reason,
            "proposed_end": self.proposed_end.isoformat(),
            "decided_by": self.decided_by,
            "message": self.message,
        }
        return out


def _start(go_live: date) -> datetime:
    return timezone.make_aware(datetime.combine(go_live, time.min))


def _days(at: datetime, start: datetime) -> float:
    return (at - start).total_seconds() / 86400.0


def assess(
    *,
    product_id: int,
    slug: str,
    policy: Policy,
    go_live: date,
    now: datetime,
    failures: Iterable[datetime],
    open_counted: int,
    models: Sequence[str] = ("go", "mo", "dss", "jm"),
) -> ProductWarranty:
    """Fit the models to the counted failures since go-live, observed until now, and turn
    the forecast into a proposed end: go-live + max(forecast, time observed so far),
    clamped to the policy's min_days and max_days."""
    start = _start(go_live)
    days_in = max(_days(now, start), 0.0)
    times = sorted(d for d in (_days(at, start) for at in failures) if 0 <= d <= days_in)
    estimate: srgm.Estimate | None = None
    intensity: float | None
    message = ""
    notes: list[str] = []
    below = False
    if not times:
        # No counted failure: no model can be fitted. The rate's 95% upper bound is
        # about 3/T; the exit is met only when even that bound is below the threshold.
        intensity = None
        upper = ZERO_FAILURE_UPPER / days_in if days_in > 0 else math.inf
        below = upper < policy.rate
        wanted = days_in
        decided = "observed"
        message = "no counted defects or incidents since go-live: no model can be fitted"
        notes.append(
            f"no counted defects or incidents in {days_in:.1f} days: the 95% upper bound of the "
            f"rate is {upper:.4g} per day (threshold {policy.rate:.4g})"
        )
        exit_reason = (
            "no counted failure, and the 95% upper bound of the rate is below the threshold"
            if below
            else "no counted failure yet, but too short an observation to bound the rate below the threshold"
        )
    else:
        data = srgm.FailureTimes.of(times, max(days_in, times[-1]))
        estimate = srgm.estimate(data, models=models, threshold=policy.rate, horizon=HORIZON_DAYS)
        fc = estimate.forecast
        intensity = fc.current_intensity if fc is not None else None
        if estimate.decides and fc is not None:
            wanted = max(fc.threshold_time, days_in)
            decided = "forecast" if fc.threshold_time >= days_in else "observed"
        else:
            wanted = math.nan
            decided = NOT_ENOUGH_EVIDENCE
            message = estimate.verdict
        below = bool(estimate.views) and all(v.below_threshold_now for v in estimate.views)
        if fc is None:
            exit_reason = f"no usable model: {estimate.verdict}"
        elif not estimate.models_agree:
            views = ", ".join(
                f"{v.model} {'below' if v.below_threshold_now else 'above'}" for v in estimate.views
            )
            exit_reason = f"the usable models disagree ({views}): not met"
        else:
            exit_reason = (
                "every usable model puts the intensity below the threshold now"
                if below
                else "the intensity is above the threshold now"
            )
    if math.isnan(wanted):
        days = float(policy.max_days)
        notes.append("not enough evidence for a forecast: the policy's max_days decides")
    elif wanted < policy.min_days:
        days, decided = float(policy.min_days), "min_days"
    elif wanted > policy.max_days:
        days, decided = float(policy.max_days), "max_days"
    else:
        days = wanted
    proposed_end = go_live + timedelta(days=math.ceil(days))
    exit_met = below and open_counted == 0
    if below and open_counted:
        exit_reason += f"; but {open_counted} counted defect(s) or incident(s) still open"
    return ProductWarranty(
        product_id=product_id,
        slug=slug,
        policy=policy,
        go_live=go_live,
        now=now,
        days_in=days_in,
        failure_days=times,
        open_counted=open_counted,
        estimate=estimate,
        proposed_end=proposed_end,
        proposed_days=days,
        decided_by=decided,
        current_intensity=intensity,
        exit_met=exit_met,
        message=message,
        notes=notes,
        exit_reason=exit_reason,
    )


def _counted_events(
    product_ids: Sequence[int], severities: dict[int, tuple[str, ...]], now: datetime
) -> tuple[dict[int, list[datetime]], dict[int, int]]:
    """Found/opened times of counted defects and incidents, and how many are still open,
    for a batch of products in two queries."""

    found: dict[int, list[datetime]] = defaultdict(list)
    open_: dict[int, int] = defaultdict(int)
    for pid, severity, at, fixed in Defect.objects.filter(
        product_id__in_ids=product_ids, found_at__lte=now
    ).values_list("product_id", "severity", "found_at", "fixed_at"):
        if severity in severities[pid]:
            found[pid].append(at)
            if fixed is None or fixed > now:
                open_[pid] += 1
    for pid, sev, at, resolved in Incident.objects.filter(
        product_id__in_ids=product_ids, opened_at__lte=now
    ).values_list("product_id", "severity", "opened_at", "resolved_at"):
        if INCIDENT_SEVERITY.get(sev) in severities[pid]:
            found[pid].append(at)
            if resolved is None or resolved > now:
                open_[pid] += 1
    return found, open_


def assess_products(
    products: Sequence[Any], *, now: datetime | None = None
) -> dict[int, ProductWarranty | str]:
    """The warranty of each product that has a go-live date, or the policy error."""
    now = now or timezone.now()
    result: dict[int, ProductWarranty | str] = {}
    policies: dict[int, Policy] = {}
    for p in products:
        if p.go_live is None:
            continue
        try:
            policies[p.id] = Policy.of(p.warranty)
        except PolicyError as exc:
            result[p.id] = str(exc)
    if not policies:
        return result
    found, open_ = _counted_events(
        list(policies), {pid: pol.severities for pid, pol in policies.items()}, now
    )
    for p in products:
        if p.id in policies:
            result[p.id] = assess(
                product_id=p.id,
                slug=p.slug,
                policy=policies[p.id],
                go_live=p.go_live,
                now=now,
                failures=found.get(p.id, []),
                open_counted=open_.get(p.id, 0),
            )
    return result


class WarrantyError(Exception):
    """The product's warranty cannot be assessed (no go-live date, bad policy)."""


def assess_product(*, product: Any, now: datetime | None = None) -> ProductWarranty:
    if product.go_live is None:
        raise WarrantyError(f"product {product.slug!r} has no go-live date")
    outcome = assess_products([product], now=now)[product.id]
    if isinstance(outcome, str):
        raise WarrantyError(f"product {product.slug!r}: {outcome}")
    return outcome


def page_context(*, product: Any, now: datetime | None = None) -> dict[str, Any]:
    """What the warranty chart and its summary show for one product."""

    try:
        w = assess_product(product=product, now=now)
    except WarrantyError as exc:
        return {"warranty": None, "error": str(exc), "chart": None}
    est = w.estimate
    fit = est.selected if est else None
    fc = w.forecast
    per_days = w.policy.per_days
    drawing = chart.build(
        go_live=w.go_live,
        failure_days=w.failure_days,
        days_in=w.days_in,
        proposed_days=w.proposed_days,
        threshold_per_day=w.policy.rate,
        per_days=per_days,
        per_label=w.policy.label,
        fit=fit,
        forecast=fc,
    )

    def on(days: float) -> date:
        return w.go_live + timedelta(days=math.ceil(days))

    forecast_dates = None
    if (
        fc is not None
        and not fc.below_threshold_now
        and fc.threshold_time > 0
        and all(math.isfinite(v) for v in fc.interval)
    ):
        forecast_dates = {"at": on(fc.threshold_time), "low": on(fc.interval[0]), "high": on(fc.interval[1])}
    return {
        "warranty": w,
        "error": "",
        "chart": drawing,
        "fit": fit,
        "forecast": fc,
        "forecast_dates": forecast_dates,
        "intensity_per": None if w.current_intensity is None else w.current_intensity * per_days,
        "other_fits": [f for f in est.fits if f is not fit] if est else [],
        "views": est.views if est else [],
        "errors": est.errors if est else {},
        "trend": est.trend if est else None,
        "interval_method": srgm.INTERVAL_METHOD,
        "horizon_days": HORIZON_DAYS,
        "whole_days": (w.proposed_end - w.go_live).days,
    }
