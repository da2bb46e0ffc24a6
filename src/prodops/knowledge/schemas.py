"""API schemas of the knowledge app."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from prodops.core.validation import SaneDate


class DocumentIn(Schema):
    kind: str
    title: str
    url: str = ""
    body: str = Field(default="", description="Inline Markdown, when there is no URL.")
    owner: str | None = Field(default=None, description="Email of the owner (a Person).")
    reviewed: SaneDate | None = None


class DocumentPatch(Schema):
    kind: str | None = None
    title: str | None = None
    url: str | None = None
    body: str | None = None
    owner: str | None = None
    reviewed: SaneDate | None = None


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    url: str
    body: str
    owner: str | None
    reviewed: date | None
    stale: bool


class TrainingIn(Schema):
    topic: str
    date: SaneDate
    trainer: str | None = Field(default=None, description="Email of the trainer.")
    attendees: list[str] = Field(default_factory=list, description="Emails of the attendees.")
    notes: str = ""


class TrainingOut(Schema):
    id: int
    topic: str
    date: date
    trainer: str | None
    attendees: list[str]
    notes: str


class SignoffIn(Schema):
    person: str | None = Field(
        None,
        description="Email of the run-team member: yourself (the default). Only an admin may "
        "name someone else, acting on their behalf with a `reason`.",
    )
    comment: str = ""
    reason: str = Field("", description="Why an admin signs on someone else's behalf (recorded).")


class SignoffOut(Schema):
    person: str
    comment: str
    signed_at: datetime
    withdrawn_at: datetime | None
    active: bool


class SupportEstimateIn(Schema):
    hours_per_week: float
    basis: str = ""


class SupportEstimateOut(Schema):
    hours_per_week: float
    basis: str
