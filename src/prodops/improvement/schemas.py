"""API bodies of retrospectives and action items."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from prodops.core.validation import SaneDate


class RetrospectivePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    went_well: Annotated[str, Field(max_length=20000)] | None = None
    to_change: Annotated[str, Field(max_length=20000)] | None = None
    run_team_rating: int | None = Field(default=None, ge=1, le=5)
    run_team_feedback: Annotated[str, Field(max_length=20000)] | None = None
    hold: bool = False


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300)]
    owner: Annotated[str, Field(max_length=254)]
    due: SaneDate


class ActionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "done", "not_doing"]
    reason: Annotated[str, Field(max_length=5000)] = ""
