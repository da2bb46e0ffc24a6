"""The ``Channel`` manifest spec and the API schemas of the notifications app."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SecretRef(BaseModel):
    """Where the secret lives; never the secret itself."""

    model_config = ConfigDict(extra="forbid")

    env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
    file: str | None = Field(default=None, min_length=1, max_length=1000)

    @model_validator(mode="after")
    def one_of(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of env or file")
        return self

    def ref(self) -> dict[str, str]:
        return {"env": self.env} if self.env else {"file": str(self.file)}


class ProductSelector(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[str] = []
    teams: list[str] = []
    tiers: list[int] = []
    stages: list[str] = []


class ChannelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["email", "slack", "teams", "webhook"]
    url: str = Field(min_length=1, max_length=1000)
    secret: SecretRef | None = None
    events: list[str] = Field(min_length=1)
    products: ProductSelector | None = None


class ChannelMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
    name: str = ""


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    type: Literal["email", "slack", "teams", "webhook"]
    url: str = Field(max_length=1000)
    secret: SecretRef | None = None
    events: list[str] = Field(min_length=1, max_length=100)
    products: ProductSelector | None = None


class ChannelOut(BaseModel):
    slug: str
    name: str
    type: str
    url: str
    secret: dict[str, str]
    events: list[str]
    products: dict[str, Any]
    paused_at: datetime | None
    last_error: str
    last_error_at: datetime | None


class NotificationOut(BaseModel):
    id: int
    notification_id: str
    event: str
    text: str
    url: str
    product: str | None
    occurred_at: datetime
    read: bool


class AttemptOut(BaseModel):
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int
    ok: bool


class DeliveryOut(BaseModel):
    id: int
    notification_id: str
    event: str
    medium: str
    target: str
    status: str
    attempts: list[AttemptOut]
    last_error: str


class PreferenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: str = Field(max_length=64)
    mode: Literal["immediate", "digest", "off"]


class DigestScheduleIn(BaseModel):
    """When your daily digest goes out; null / "" for the site's default."""

    model_config = ConfigDict(extra="forbid")

    hour: int | None = Field(default=None, ge=0, le=23, strict=True)
    time_zone: str = Field(default="", max_length=64)


class DigestScheduleOut(BaseModel):
    hour: int
    time_zone: str
