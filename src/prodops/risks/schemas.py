"""API schemas of the risks app."""

from __future__ import annotations

from datetime import date

from ninja import Schema
from pydantic import Field

from prodops.core.validation import SaneDate


class RiskIn(Schema):
    title: str
    likelihood: int = Field(description="1 (rare) to 5 (almost certain).")
    impact: int = Field(description="1 (negligible) to 5 (severe).")
    next_review: SaneDate
    description: str = ""
    owner: str | None = Field(default=None, description="Email of the owner (a Person).")
    mitigation: str = ""
    status: str = "open"


class RiskPatch(Schema):
    title: str | None = None
    likelihood: int | None = None
    impact: int | None = None
    next_review: SaneDate | None = None
    description: str | None = None
    owner: str | None = None
    mitigation: str | None = None
    status: str | None = None


class RiskOut(Schema):
    id: int = Field(description="Stable id; waivers refer to it.")
    ref: str
    product: str
    title: str
    description: str
    likelihood: int
    impact: int
    score: int
    owner: str | None
    mitigation: str
    status: str
    next_review: date
    waivers: list[str] = Field(description="Criteria of the active waivers that cite this risk.")


class KnownErrorIn(Schema):
    title: str
    symptom: str
    cause: str = ""
    workaround: str = ""
    defect_id: str = Field(default="", description="External id of the linked defect.")
    status: str = "open"


class KnownErrorPatch(Schema):
    title: str | None = None
    symptom: str | None = None
    cause: str | None = None
    workaround: str | None = None
    defect_id: str | None = None
    status: str | None = None


class KnownErrorOut(Schema):
    id: int
    ref: str
    product: str
    title: str
    symptom: str
    cause: str
    workaround: str
    defect_id: str
    status: str


class KnownErrorHit(KnownErrorOut):
    relevance: float = Field(description="Higher is better; comparable within one search only.")
