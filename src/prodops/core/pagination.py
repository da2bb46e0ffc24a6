"""The one pagination envelope of every API list: ``{"count", "limit", "offset", "items"}``.

Use it on a list endpoint with django-ninja's decorator and return a queryset or list::

    @router.get("/things", response=list[ThingOut])
    @paginate(Envelope)
    def list_things(request): ...

``limit`` is 1 to ``MAX_LIMIT`` (default ``PRODOPS_API_PAGE_SIZE``), ``offset`` from 0.
A test walks the OpenAPI document and fails for a list that answers a bare array.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase, paginate

__all__ = ["MAX_LIMIT", "Envelope", "paginate"]

MAX_LIMIT = 500
MAX_OFFSET = 2**63 - 1  # a larger offset overflows the database's LIMIT/OFFSET


class Envelope(PaginationBase):
    class Input(Schema):
        limit: int = Field(
            default=getattr(settings, "PRODOPS_API_PAGE_SIZE", 50),
            ge=1,
            le=MAX_LIMIT,
            description=f"1 to {MAX_LIMIT}.",
        )
        offset: int = Field(default=0, ge=0, le=MAX_OFFSET)

    class Output(Schema):
        count: int
        limit: int
        offset: int
        items: list[Any]

    def paginate_queryset(self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any) -> Any:
        offset, limit = pagination.offset, pagination.limit
        return {
            "count": self._items_count(queryset),
            "limit": limit,
            "offset": offset,
            "items": list(queryset[offset : offset + limit]),
        }


class Mapped:
    """A queryset seen through a function, sliced and counted lazily, so a paginated
    endpoint that turns rows into dicts reads one page of rows, not every row."""

    def __init__(self, queryset: Any, func: Any) -> None:
        self.queryset = queryset
        self.func = func

    def __len__(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, index: slice) -> list[Any]:
        return [self.func(row) for row in self.queryset[index]]
