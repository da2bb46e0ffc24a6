"""The ``Playbook`` manifest spec, validated with pydantic (no Django import).

```yaml
apiVersion: prodops/v1
kind: Playbook
metadata: {slug: warranty-exit, name: Warranty exit}
spec:
  description: ...
  source: ITIL 4 early life support        # where the practice comes from, in a few words
  trigger: {on: transition.executed, to: warranty}   # or manual (default), schedule, team.member_added
  steps:
    - {id: walkthrough, title: Walk support through the runbook, assignee: run_lead, due: 3d}
    - {id: faq, title: An FAQ exists, kind: wait_for, until: "docs.faq.count > 0"}
    - {id: approve, title: Run lead approves the exit, kind: approval, assignee: run_lead}
    - {id: cake, title: Bring cake, required: false, when: "product.tier <= 2"}
  done_when: "run.required_open == 0 && warranty.exit_met"
```

Conditions (``when``, ``until``, ``done_when``) are CEL over the product's facts plus
the run's own facts (``run.*``, see ``RUN_FACTS``); they are type-checked when the
playbook is applied, by the readiness rule compiler.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prodops.readiness.rules import parse_duration

STEP_KINDS = ("task", "approval", "evidence", "wait_for")
ROLES = ("build_lead", "run_lead", "run_team", "build_team", "buddy", "subject")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TEAM = re.compile(r"^team:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")

# The run's own facts, readable in every condition next to the product's facts.
RUN_FACTS: tuple[tuple[str, str, str], ...] = (
    ("run.required_open", "int", "Required steps neither done nor skipped."),
    ("run.open", "int", "Steps neither done nor skipped."),
    ("run.done", "int", "Steps done."),
    ("run.total", "int", "Steps in the run."),
    ("run.overdue", "int", "Open steps past their due date."),
    ("run.days_open", "int", "Whole days since the run started."),
    (
        "run.subject.signed_off",
        "bool",
        "The person the run is for signed 'I can support this' (for the step's product).",
    ),
    (
        "run.subject.trained",
        "bool",
        "The person the run is for attended a training session (of the step's product).",
    ),
)


MAX_DAYS = 3650  # ten years: a longer due date or period is a typo
MAX_CONDITION = 2000


def check_duration(value: str) -> str:
    if parse_duration(value).days > MAX_DAYS:
        raise ValueError(f"{value!r} is longer than {MAX_DAYS} days")
    return value


def check_condition(value: str | None) -> str | None:
    if value is not None and (not value.strip() or len(value) > MAX_CONDITION or "\x00" in value):
        raise ValueError(f"a condition is 1-{MAX_CONDITION} characters")
    return value


def check_assignee(value: str) -> str:
    """``build_lead``, ``run_lead``, ``run_team``, ``build_team``, ``buddy``, ``subject``
    (the person the run is for), an email, or ``team:<slug>``."""
    if value in ROLES or (len(value) <= 254 and _EMAIL.match(value)) or _TEAM.match(value):
        return value.lower() if "@" in value else value
    raise ValueError(f"assignee must be one of {', '.join(ROLES)}, an email or team:<slug>, not {value!r}")


class TriggerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    on: Literal["manual", "transition.executed", "schedule", "team.member_added"] = Field(
        default="manual",
        description="manual (default); transition.executed (when a product enters `to`); "
        "schedule (every `every`, for products in `stages`); team.member_added (a person joins a run team).",
    )
    to: str | None = Field(default=None, max_length=32, description="transition.executed: the stage entered.")
    every: str | None = Field(default=None, description="schedule: how often, e.g. 90d.")
    stages: list[str] | None = Field(
        default=None, max_length=20, description="schedule: only products in these stages."
    )

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: Any) -> Any:
        # YAML 1.1 reads a bare ``on`` key as the boolean true: take it back as "on".
        if isinstance(data, dict) and True in data and "on" not in data:
            data = {("on" if k is True else k): v for k, v in data.items()}
        return data

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        return None if value is None else check_duration(value)

    @model_validator(mode="after")
    def _complete(self) -> TriggerSpec:
        if self.on == "transition.executed" and not self.to:
            raise ValueError("a transition.executed trigger names the stage entered: to")
        if self.on == "schedule" and not self.every:
            raise ValueError("a schedule trigger says how often: every")
        return self


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str = Field(description="May use {product}, {document} and {training} in generated steps.")
    kind: Literal["task", "approval", "evidence", "wait_for"] = "task"
    assignee: str | None = Field(default=None, description="A role, an email or team:<slug>.")
    due: str | None = Field(default=None, description="Relative to the run's start, e.g. 3d; becomes a date.")
    depends_on: list[str] = Field(default_factory=list)
    required: bool = True
    when: str | None = Field(default=None, description="CEL: the step is included only if true at start.")
    until: str | None = Field(default=None, description="CEL (wait_for only): the step is done once true.")
    phase: str = Field(
        default="", max_length=64, description="A label that groups steps, e.g. day 1, week 1, month 1."
    )
    for_each: Literal["product", "document"] | None = Field(
        default=None,
        description="Onboarding: one step per product of the team (product), or per document of the "
        "kinds in `documents` of those products (document).",
    )
    documents: list[str] | None = Field(
        default=None, max_length=20, description="for_each document: the document kinds."
    )

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("a step id is lower-case letters, digits, '-' and '_', at most 63 characters")
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip() or len(value) > 300 or "\x00" in value:
            raise ValueError("a title is 1-300 characters")
        return value.strip()

    @field_validator("assignee")
    @classmethod
    def _assignee(cls, value: str | None) -> str | None:
        return None if value is None else check_assignee(value)

    @field_validator("due")
    @classmethod
    def _due(cls, value: str | None) -> str | None:
        return None if value is None else check_duration(value)

    @field_validator("when", "until")
    @classmethod
    def _condition(cls, value: str | None) -> str | None:
        return check_condition(value)

    @model_validator(mode="after")
    def _kind(self) -> StepSpec:
        if self.kind == "wait_for" and not (self.until or "").strip():
            raise ValueError("a wait_for step needs a condition: until")
        if self.kind != "wait_for" and self.until is not None:
            raise ValueError("only a wait_for step has an until condition")
        if self.documents is not None and self.for_each != "document":
            raise ValueError("documents goes with for_each: document")
        if self.for_each == "document" and not self.documents:
            raise ValueError("for_each: document needs the document kinds: documents")
        return self


class PlaybookSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(default="", max_length=5000)
    source: str = Field(
        default="", max_length=300, description="Where the practice comes from, in a few words."
    )
    trigger: TriggerSpec = Field(default_factory=TriggerSpec)
    steps: list[StepSpec] = Field(min_length=1, max_length=200)
    done_when: str = Field(default="run.required_open == 0", description="CEL: the run may close once true.")

    @field_validator("done_when")
    @classmethod
    def _done_when(cls, value: str) -> str:
        return check_condition(value) or value

    def problem(self) -> tuple[str, str] | None:
        """The first cross-field problem as (field path inside spec, message), or None."""
        ids: dict[str, int] = {}
        for i, step in enumerate(self.steps):
            if step.id in ids:
                return f"steps.{i}.id", f"duplicate step id {step.id!r}"
            ids[step.id] = i
        for i, step in enumerate(self.steps):
            for j, dep in enumerate(step.depends_on):
                if dep not in ids:
                    return f"steps.{i}.depends_on.{j}", f"no step {dep!r} in this playbook"
                if ids[dep] >= i:
                    return f"steps.{i}.depends_on.{j}", f"{dep!r} must come before {step.id!r}"
        return None

    def conditions(self) -> list[tuple[str, str]]:
        """Every CEL condition with its field path inside spec."""
        found = [("done_when", self.done_when)]
        for i, step in enumerate(self.steps):
            if step.when is not None:
                found.append((f"steps.{i}.when", step.when))
            if step.until is not None:
                found.append((f"steps.{i}.until", step.until))
        return found


def dump(spec: PlaybookSpec) -> dict[str, Any]:
    """The spec as plain data with defaults omitted (what export writes back)."""
    return spec.model_dump(mode="json", exclude_defaults=True, by_alias=True)
