from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema


class LineErrorOut(Schema):
    line: int
    field: str
    message: str


class ErrorOut(Schema):
    """A request refused as a whole: the API's shared error shape."""

    detail: str
    code: str
    loc: list[str] | None = None
    errors: list[LineErrorOut] = []


class InvalidEventsOut(Schema):
    """Bad events (422): the API's shared list of located errors, one per bad line
    (each with its ``line`` and ``field``), and the same as ``errors`` (line, field,
    message), as docs/events.md describes."""

    detail: list[dict[str, Any]]
    errors: list[LineErrorOut]


class IngestOut(Schema):
    batch: int
    counts: dict[str, int]


class WebhookDeliveryOut(Schema):
    delivery: str
    event: str
    duplicate: bool
    outcome: str
    counts: dict[str, int]


class UnmappedOut(Schema):
    kind: str
    id: int
    source: str
    external_id: str
    origin: str
    at: str


class UnmappedListOut(Schema):
    counts: dict[str, int]
    events: list[UnmappedOut]


class AnyOut(Schema):
    data: dict[str, Any]


class RefusedOut(Schema):
    id: int
    source: str
    status: int
    reason: str
    event: str
    delivery_id: str
    headers: dict[str, str]
    size: int
    received_at: datetime
