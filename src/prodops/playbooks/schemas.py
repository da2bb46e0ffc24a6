"""API bodies of the playbooks app (extra fields are refused, strings are bounded)."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class PlaybookIn(_In):
    name: str = Field(min_length=1, max_length=200)
    spec: dict[str, Any]


class RunIn(_In):
    product: str | None = Field(default=None, max_length=63)
    team: str | None = Field(default=None, max_length=63)
    for_: str | None = Field(default=None, alias="for", max_length=254)
    buddy: str | None = Field(default=None, max_length=254)


class DoneIn(_In):
    note: str = Field(default="", max_length=5000)
    evidence: str = Field(default="", max_length=500)
    approve: bool = True
    reason: str = Field(default="", max_length=5000)


class SkipIn(_In):
    reason: str = Field(default="", max_length=5000)
