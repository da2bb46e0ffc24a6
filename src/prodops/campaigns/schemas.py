"""API bodies of the campaigns app."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from prodops.core.validation import SaneDate


class CampaignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(max_length=63)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    standard: str = Field(default="default", max_length=63)
    criteria: list[str | dict[str, Any]] | None = Field(default=None, max_length=500)
    selection: dict[str, list[Any]] = Field(default_factory=dict)
    start: SaneDate
    target: SaneDate
