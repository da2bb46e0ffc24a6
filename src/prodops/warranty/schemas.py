from __future__ import annotations

from typing import Any, Literal

from ninja import Schema
from pydantic import Field, model_validator


class EstimateIn(Schema):
    """Failure data: either ``times`` (each failure's time since the start, with an
    optional ``observed_until``) or ``period_ends`` with ``counts`` (grouped)."""

    times: list[float] | None = Field(default=None, max_length=1_000_000)
    observed_until: float | None = None
    period_ends: list[float] | None = Field(default=None, max_length=100_000)
    counts: list[int] | None = Field(default=None, max_length=100_000)
    model: Literal["go", "mo", "dss", "jm", "all"] = "all"
    threshold: float = Field(default=1 / 14, gt=0, description="Failures per time unit.")
    horizon: float = Field(default=14.0, gt=0)

    @model_validator(mode="after")
    def _one_kind(self) -> EstimateIn:
        grouped = self.period_ends is not None or self.counts is not None
        if (self.times is not None) == grouped:
            raise ValueError("give either times, or period_ends and counts")
        if grouped and (self.period_ends is None or self.counts is None):
            raise ValueError("period_ends and counts go together")
        if grouped and self.observed_until is not None:
            raise ValueError("observed_until applies to failure times")
        return self


class EstimateOut(Schema):
    data: dict[str, Any]
    trend: dict[str, Any] | None
    models: list[dict[str, Any]]
    selected: str | None
    selection: str = ""
    forecast: dict[str, Any] | None
    views: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Each usable model's view: is the intensity below the threshold now?",
    )
    models_agree: bool = True
    growth_significant: bool = False
    forecast_decides: bool = Field(
        default=False, description="True only with significant growth and a usable model."
    )
    verdict: str = ""
    warranty: dict[str, Any] | None = None
