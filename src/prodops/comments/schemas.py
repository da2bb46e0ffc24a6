from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=10_000)
    target: str = Field(default="product", max_length=16)
    target_id: int | None = Field(default=None, ge=1, le=2**62)


class CommentOut(BaseModel):
    id: int
    target: str
    target_id: int | None
    author: str
    body: str
    html: str
    mentions: list[str]
    created_at: datetime
