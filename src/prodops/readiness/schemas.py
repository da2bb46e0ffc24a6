"""API schemas of the readiness app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from prodops.core.validation import SaneDatetime


class CriterionOut(Schema):
    id: str
    title: str
    gate: str
    area: str
    severity: str
    kind: str = Field(description="rule or attest")
    rule: str | None
    role: str | None = Field(description="For attest criteria: who attests.")
    status: str = Field(description="pass, fail, waived or unknown")
    value: Any = Field(description="The fact value(s) that decided it, or the attestation.")
    message: str
    why: str
    fix: str


class ReadinessOut(Schema):
    product: str
    stage: str
    gate: str | None
    ready: bool
    standard: str
    standard_version: int
    evaluated_at: datetime
    counts: dict[str, int]
    blockers: list[str]
    criteria: list[CriterionOut]


class ChangeOut(Schema):
    criterion: str
    gate: str
    old_status: str
    new_status: str
    value: Any
    message: str
    at: datetime


class StandardOut(Schema):
    slug: str
    name: str
    version: int
    stages: list[str]
    criteria: list[dict[str, Any]]


class FactsOut(Schema):
    facts: dict[str, Any]


class AttestIn(Schema):
    criterion: str
    evidence_url: str
    comment: str = ""


class AttestationOut(Schema):
    id: int
    criterion: str
    role: str
    by: str
    override: bool
    evidence_url: str
    comment: str
    attested_at: datetime
    expires_at: datetime | None


class WaiverIn(Schema):
    criterion: str
    reason: str
    expires_at: SaneDatetime = Field(
        description="A date (midnight UTC) or a datetime; at most 90 days ahead."
    )
    risk: int | str | None = Field(
        None, description="The risk this waiver accepts: RISK-<id> (or the id) of the product's register."
    )


class WaiverOut(Schema):
    id: int
    product: str
    criterion: str
    reason: str
    risk: str = Field(description="RISK-<id> of the linked risk, or empty.")
    risk_id: int | None
    expires_at: datetime
    created_by: str
    build_lead_signed_by: str
    build_lead_signed_at: datetime | None
    build_lead_override: bool
    run_lead_signed_by: str
    run_lead_signed_at: datetime | None
    run_lead_override: bool
    revoked_at: datetime | None
    in_force: bool
