"""The shapes of people, teams and products, shared by the config-as-code format
(``spec`` of the Person, Team and Product kinds) and the REST API.

Every model forbids unknown fields, so that a misspelt field is an error, not a silent
no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from prodops.catalog.models import DEFAULT_STAGES
from prodops.core.validation import FiniteFloat, OneLineStr, SaneDate

SLUG_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
DURATION_PATTERN = r"^[1-9][0-9]*[hdw]$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _lower(value: str) -> str:
    return value.strip().lower()


Email = Annotated[
    OneLineStr,  # a control character would pass the pattern and then be stripped away
    Field(pattern=EMAIL_PATTERN, max_length=254, description="An email address (stored lower-case)."),
    AfterValidator(_lower),
]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, description="1-63 lower-case letters, digits and hyphens.")]
Duration = Annotated[str, Field(pattern=DURATION_PATTERN, description="A duration such as 12h, 14d or 2w.")]
Url = Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2000, description="An http(s) URL.")]
FactValue = str | bool | int | FiniteFloat
Severity = Literal["critical", "high", "medium", "low"]
DEFAULT_SEVERITIES: tuple[Severity, ...] = ("critical", "high")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Owners(Strict):
    """Two in a box: the product is owned by both from the first stage on."""

    build_lead: Email = Field(description="The development lead (email of a Person).")
    run_lead: Email = Field(description="The operational owner (email of a Person).")


class Teams(Strict):
    build: Slug | None = Field(default=None, description="Slug of the team that builds the product.")
    run: Slug | None = Field(default=None, description="Slug of the team that runs and supports it.")


class StakeholderSpec(Strict):
    function: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="design, sales, marketing, customer service, analytics, ..."
    )
    person: Email


class SLOSpec(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    objective: FiniteFloat = Field(gt=0, le=100, description="Target in percent, e.g. 99.9.")
    window: Duration = "30d"
    description: Annotated[str, Field(max_length=500)] = ""


class OncallSpec(Strict):
    rotation: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="Name of the on-call rotation (e.g. the PagerDuty schedule)."
    )
    team: Slug | None = Field(default=None, description="Slug of the team on call, if not the run team.")
    schedule_url: Url | None = None


class WarrantyThreshold(Strict):
    defects: int = Field(ge=1, description="At most this many counted defects ...")
    per: Duration = Field(description="... per this period, e.g. 14d.")


class WarrantySpec(Strict):
    """Early life support: ends when the defect rate falls below the threshold, within
    ``min_days`` and ``max_days`` after go-live."""

    threshold: WarrantyThreshold
    min_days: int = Field(ge=0)
    max_days: int = Field(ge=1)
    severities: list[Severity] = Field(default_factory=lambda: list(DEFAULT_SEVERITIES))

    @model_validator(mode="after")
    def _min_before_max(self) -> WarrantySpec:
        if self.min_days > self.max_days:
            raise ValueError("min_days must not exceed max_days")
        return self


class ProductSpec(Strict):
    """The ``spec`` of a Product document (other apps add sections, e.g. ``docs``)."""

    description: str = ""
    tier: int = Field(default=3, ge=1, le=4, description="Criticality: 1 is the most critical, 4 the least.")
    stage: Slug = Field(
        default="plan", description=f"Lifecycle stage; by default one of {', '.join(DEFAULT_STAGES)}."
    )
    standard: Slug = Field(default="default", description="Slug of the readiness standard.")
    tags: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list)
    links: dict[str, Url] = Field(default_factory=dict, description="name → URL, e.g. repo, dashboard.")
    owners: Owners
    teams: Teams = Field(default_factory=Teams)
    stakeholders: list[StakeholderSpec] = Field(default_factory=list)
    slos: list[SLOSpec] = Field(default_factory=list)
    oncall: OncallSpec | None = None
    warranty: WarrantySpec | None = None
    go_live: SaneDate | None = Field(default=None, description="Production go-live date.")
    integrations: dict[str, str] = Field(
        default_factory=dict, description="Ids in outside tools, e.g. pagerduty_service: PXXXX."
    )
    facts: dict[Annotated[str, Field(pattern=r"^[a-z0-9_][a-z0-9_.-]*$")], FactValue] = Field(
        default_factory=dict, description="Custom facts, readable by rules as custom.<key>."
    )


class ProductMetadata(Strict):
    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]


class TeamSpec(Strict):
    kind: Literal["build", "run", "business"]
    capacity_hours_per_week: FiniteFloat = Field(default=0, ge=0, description="Weekly capacity in hours.")
    members: list[Email] = Field(default_factory=list, description="Emails of people.")


class TeamMetadata(Strict):
    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]


class PersonSpec(Strict):
    """A person has no spec fields yet; teams list their members."""


class PersonMetadata(Strict):
    email: Email
    name: Annotated[str, Field(max_length=200)] = ""


def plain(value: Any) -> Any:
    """Whole floats as ints, so that `160` exports as `160`, not `160.0`."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# ---------------------------------------------------------------- REST API bodies and answers


class ProductCreate(ProductSpec):
    """A new product: ``slug`` and ``name`` plus the fields of a Product document's spec."""

    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]


class ProductReplace(ProductSpec):
    """The whole product (PUT). ``version`` is the one you read; a stale one gets 409."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    version: int | None = Field(default=None, description="The version you edited (or send If-Match).")


class ProductPatch(Strict):
    """Some fields of a product (PATCH); the others keep their value."""

    version: int | None = Field(default=None, description="The version you edited (or send If-Match).")
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    description: str | None = None
    tier: int | None = Field(default=None, ge=1, le=4)
    stage: Slug | None = None
    standard: Slug | None = None
    tags: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = None
    links: dict[str, Url] | None = None
    owners: Owners | None = None
    teams: Teams | None = None
    stakeholders: list[StakeholderSpec] | None = None
    slos: list[SLOSpec] | None = None
    oncall: OncallSpec | None = None
    warranty: WarrantySpec | None = None
    go_live: SaneDate | None = None
    integrations: dict[str, str] | None = None
    facts: dict[str, FactValue] | None = None


class ProductOut(ProductSpec):
    model_config = ConfigDict(extra="ignore")

    slug: str
    name: str
    version: int = Field(description="Send it back (or If-Match) when you update: stale edits are refused.")
    created_at: datetime
    updated_at: datetime


class TeamCreate(TeamSpec):
    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]


class TeamPatch(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    kind: Literal["build", "run", "business"] | None = None
    capacity_hours_per_week: FiniteFloat | None = Field(default=None, ge=0)
    members: list[Email] | None = None


class TeamOut(TeamSpec):
    model_config = ConfigDict(extra="ignore")

    slug: str
    name: str
    updated_at: datetime


class PersonCreate(Strict):
    email: Email
    name: Annotated[str, Field(max_length=200)] = ""


class PersonPatch(Strict):
    name: Annotated[str, Field(max_length=200)]


class PersonOut(BaseModel):
    email: str
    name: str
    teams: list[str] = Field(description="Slugs of the person's teams.")
    updated_at: datetime
