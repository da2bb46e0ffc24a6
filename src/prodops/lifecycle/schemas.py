"""API schemas of the lifecycle app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema


class TransitionIn(Schema):
    to_stage: str
    reason: str = ""


class RejectIn(Schema):
    reason: str


class ApprovalOut(Schema):
    role: str
    by: str
    override: bool
    at: datetime


class TransitionOut(Schema):
    id: int
    product: str
    from_stage: str
    to_stage: str
    kind: str
    reason: str
    status: str
    requested_by: str
    requested_at: datetime
    decided_at: datetime | None
    decided_by: str
    refusal: str
    override: bool
    approvals: list[ApprovalOut]
    snapshot: dict[str, Any] | None
