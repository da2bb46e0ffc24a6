"""The ``Standard`` manifest spec, validated with pydantic (no Django import).

```yaml
apiVersion: prodops/v1
kind: Standard
metadata: {slug: acme, name: ACME handover standard}
spec:
  description: ...                 # optional
  stages: [plan, build, ...]       # optional; default: plan build pilot warranty operate retire
  criteria:
    - id: runbook                  # unique in the standard
      title: A runbook exists
      gate: pilot                  # the stage whose entry this criterion guards
      area: documentation
      severity: blocking           # or advisory
      tiers: [1, 2]                # optional: applies to these tiers only
      rule: docs.runbook.count > 0 # a CEL rule over facts ... or:
      attest: {role: run_lead, every: 90d}
      why: ...
      fix: ...
```
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prodops.readiness.rules import ROLES_FIXED, Attest, Criterion, parse_duration

DEFAULT_STAGES = ("plan", "build", "pilot", "warranty", "operate", "retire")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
_ROLE = re.compile(r"^team:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class AttestSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(description="build_lead, run_lead, build_team, run_team, or team:<slug>.")
    every: str | None = Field(default=None, description="How long an attestation lasts, e.g. 90d.")

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLES_FIXED and not _ROLE.match(value):
            raise ValueError(f"role must be one of {', '.join(ROLES_FIXED)} or team:<slug>, not {value!r}")
        return value

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value


class CriterionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str = ""
    gate: str
    area: str = "general"
    severity: Literal["blocking", "advisory"] = "blocking"
    tiers: list[int] | None = None
    rule: str | None = None
    attest: AttestSpec | None = None
    why: str = ""
    fix: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("an id is lower-case letters, digits, '-', '_' and '.', at most 100 characters")
        return value

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and (not value or any(t not in {1, 2, 3, 4} for t in value)):
            raise ValueError("tiers is a non-empty list of tiers 1 to 4")
        return value

    @model_validator(mode="after")
    def _one_of(self) -> CriterionSpec:
        if (self.rule is None) == (self.attest is None):
            raise ValueError("a criterion has either a rule or an attest, not both or neither")
        if self.rule is not None and not self.rule.strip():
            raise ValueError("rule is empty")
        return self

    def to_criterion(self) -> Criterion:
        return Criterion(
            id=self.id,
            gate=self.gate,
            title=self.title or self.id,
            area=self.area,
            severity=self.severity,
            tiers=tuple(self.tiers) if self.tiers else None,
            rule=self.rule,
            attest=Attest(self.attest.role, parse_duration(self.attest.every) if self.attest.every else None)
            if self.attest
            else None,
            why=self.why,
            fix=self.fix,
        )


class HandbackPolicySpec(BaseModel):
    """When a running product is too much for its run team (``handback`` app). The
    defaults are the Google SRE book's limits: at most two paging events per 12-hour
    on-call shift on average (ch. 11, "Being On-Call") and operational work at most 50%
    of the team's time (ch. 1 and ch. 5)."""

    model_config = ConfigDict(extra="forbid")

    max_pages_per_shift: float = Field(default=2, ge=0, le=1000, allow_inf_nan=False)
    max_load_share: float = Field(default=0.5, gt=0, le=10, allow_inf_nan=False)
    after_days: int = Field(default=7, ge=0, le=365, description="Propose once triggered this long.")
    to: str = Field(default="warranty", description="The stage a handback goes to.")
    stages: list[str] = Field(default_factory=lambda: ["operate"], description="The stages watched.")


class StandardSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    stages: list[str] | None = None
    criteria: list[CriterionSpec]
    handback: HandbackPolicySpec | None = None

    @property
    def stage_list(self) -> tuple[str, ...]:
        return tuple(self.stages) if self.stages else DEFAULT_STAGES

    def problem(self) -> tuple[str, str] | None:
        """The first cross-field problem as (field path inside spec, message), or None.
        Kept out of pydantic validation so that the path can point at the criterion."""
        stages = self.stage_list
        if len(set(stages)) != len(stages) or len(stages) < 2:
            return "stages", "stages must be at least two distinct names"
        if self.handback is not None:
            if self.handback.to not in stages:
                return "handback.to", f"{self.handback.to!r} is not a stage"
            for i, stage in enumerate(self.handback.stages):
                if stage not in stages:
                    return f"handback.stages.{i}", f"{stage!r} is not a stage"
        seen: set[str] = set()
        for i, crit in enumerate(self.criteria):
            if crit.id in seen:
                return f"criteria.{i}.id", f"duplicate criterion id {crit.id!r}"
            seen.add(crit.id)
            if crit.gate not in stages[1:]:
                return f"criteria.{i}.gate", f"{crit.gate!r} is not a gate; gates are {', '.join(stages[1:])}"
        return None


def dump(spec: StandardSpec) -> dict[str, Any]:
    """The spec as plain data with defaults omitted (what export writes back)."""
    return spec.model_dump(mode="json", exclude_defaults=True)
