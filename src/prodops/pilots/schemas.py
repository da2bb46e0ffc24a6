"""The pilot plan (``spec.pilot`` of a Product document, and the web form), and the API
bodies for observations, feedback and decisions.

    spec:
      pilot:
        start: 2026-11-01
        min_days: 14
        cohorts:
          - {name: staff, kind: internal, planned_size: 1000}
          - {name: control, kind: segment, planned_size: 1000}
        criteria:
          - {id: checkout-ok, metric: checkout-ok, kind: proportion, threshold: 0.95, min_sample: 100}
          - {id: incidents, metric: incidents, kind: rate, per: 1000, threshold: 2}
          - {id: vs-control, metric: checkout-ok, kind: proportion, compare: control, max_worse: 0.01}

Every number is finite (NaN and infinity are refused), every name is short, and unknown
fields are errors.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from prodops.core.validation import Count, SaneDate, SaneDatetime

NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
Name = Annotated[
    str, Field(pattern=NAME_PATTERN, description="1-63 lower-case letters, digits, '.', '_', '-'.")
]
Finite = Annotated[float, Field(allow_inf_nan=False)]

EVENT_METRICS = ("events.incidents", "events.defects", "events.tickets", "events.pages")
"""Metrics computed from the product's events since the pilot started: the count of that
kind of event over the exposure in user-days (the sum of daily active users reported as
usage events). Rates only; they count for the pilot as a whole, not per cohort."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CohortSpec(Strict):
    name: Name
    kind: Literal["internal", "segment", "region", "percentage"] = Field(
        description="internal (staff), segment (a set of customers), region, or percentage (of traffic)."
    )
    planned_size: Count = Field(default=0, ge=0, le=10**12, description="People (or percent) planned.")


class CriterionSpec(Strict):
    id: Name
    metric: Name = Field(description="The observed metric, or one of events.incidents/defects/tickets/pages.")
    kind: Literal["proportion", "rate"]
    threshold: Finite | None = Field(default=None, description="The limit (not with compare).")
    direction: Literal["at_least", "at_most"] | None = Field(
        default=None, description="Default: at_least for a proportion, at_most for a rate."
    )
    min_sample: Finite = Field(
        default=1, ge=0, description="Below this many trials (proportion) or exposure units (rate): no_data."
    )
    confidence: Finite = Field(default=0.95, gt=0, lt=1, description="Two-sided confidence level.")
    per: Finite = Field(default=1, gt=0, description="A rate is reported per this many units of exposure.")
    compare: Name | None = Field(default=None, description="Compare with this cohort (a control).")
    max_worse: Finite | None = Field(
        default=None,
        ge=0,
        description="With compare: the pilot may be at most this much worse (difference of "
        "proportions; relative for a rate ratio).",
    )
    blocking: bool = Field(default=True, description="Counts for the warranty gate.")

    @model_validator(mode="after")
    def _threshold_or_compare(self) -> CriterionSpec:
        if self.compare is not None:
            if self.max_worse is None:
                raise ValueError("a comparison needs max_worse")
            if self.threshold is not None:
                raise ValueError("give threshold or compare with max_worse, not both")
        elif self.threshold is None:
            raise ValueError("give a threshold (or compare: COHORT with max_worse)")
        elif self.max_worse is not None:
            raise ValueError("max_worse goes with compare")
        if self.kind == "proportion" and self.threshold is not None and not 0 <= self.threshold <= 1:
            raise ValueError("a proportion's threshold is between 0 and 1")
        if self.metric.startswith("events.") and (self.kind != "rate" or self.metric not in EVENT_METRICS):
            raise ValueError(f"an events metric is a rate, one of {', '.join(EVENT_METRICS)}")
        return self

    @property
    def resolved_direction(self) -> Literal["at_least", "at_most"]:
        if self.direction is not None:
            return self.direction
        return "at_least" if self.kind == "proportion" else "at_most"


class PilotSpec(Strict):
    """A pilot: "test small first" with a few cohorts, against criteria judged with intervals."""

    start: SaneDate
    min_days: Count = Field(default=14, ge=0, le=3650)
    cohorts: list[CohortSpec] = Field(default_factory=list, max_length=100)
    criteria: list[CriterionSpec] = Field(default_factory=list, max_length=200)

    def problem(self) -> tuple[str, str] | None:
        """The first cross-field problem as (field path, message), or None."""
        names: set[str] = set()
        for i, cohort in enumerate(self.cohorts):
            if cohort.name in names:
                return f"cohorts.{i}.name", f"duplicate cohort {cohort.name!r}"
            names.add(cohort.name)
        ids: set[str] = set()
        for i, crit in enumerate(self.criteria):
            if crit.id in ids:
                return f"criteria.{i}.id", f"duplicate criterion id {crit.id!r}"
            ids.add(crit.id)
            if crit.compare is not None and crit.compare not in names:
                return f"criteria.{i}.compare", f"no cohort named {crit.compare!r}"
        return None

    @property
    def control_cohorts(self) -> set[str]:
        return {c.compare for c in self.criteria if c.compare}


def dump(spec: PilotSpec) -> dict[str, Any]:
    """Plain data with defaults left out (what export writes, what the database keeps)."""
    data = spec.model_dump(mode="json", exclude_defaults=True)
    data["start"] = spec.start.isoformat()
    return data


# ------------------------------------------------------------------ API bodies


class ObservationIn(Strict):
    metric: Name
    cohort: Name | None = None
    successes: Count | None = Field(default=None, ge=0, le=10**12)
    trials: Count | None = Field(default=None, ge=0, le=10**12)
    count: Count | None = Field(default=None, ge=0, le=10**12)
    exposure: Finite | None = Field(default=None, ge=0, le=1e15)
    users: Count | None = Field(
        default=None, ge=0, le=10**12, description="People of the cohort exposed so far."
    )
    observed_at: SaneDatetime | None = None


class ObservationOut(BaseModel):
    id: int
    metric: str
    cohort: str
    successes: int | None
    trials: int | None
    count: int | None
    exposure: float | None
    users: int | None
    observed_at: datetime
    recorded_by: str


class FeedbackIn(Strict):
    rating: Count = Field(ge=1, le=5)
    text: Annotated[str, Field(max_length=5000)] = ""
    cohort: Name | None = None


class DecisionIn(Strict):
    outcome: Literal["proceed", "extend", "stop"]
    reason: Annotated[str, Field(max_length=5000)] = ""


class CriterionStatus(BaseModel):
    id: str
    metric: str
    kind: str
    status: str
    estimate: float | None
    low: float | None
    high: float | None
    n: float
    threshold: float
    direction: str
    method: str


class CohortStatus(BaseModel):
    name: str
    kind: str
    planned_size: int
    exposed: int


class PilotStatusOut(BaseModel):
    product: str
    start: date
    days_run: int
    cohorts: list[CohortStatus]
    criteria: list[CriterionStatus]
    decision: dict[str, Any] | None
